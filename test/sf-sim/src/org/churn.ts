/**
 * Background churn: realistic changes made as simulated time passes. Change number k is chosen
 * from (seed, k) and the org's current records, so the same seed and the same history give the
 * same changes. Kinds: creates, updates, soft deletes, undeletes, same-second batches, late
 * commits (visible some seconds after their SystemModstamp) and file uploads.
 */
import type { OrgImpl } from './sim-org.js';
import type { MutateBody } from './api.js';
import { Rng } from '../seed/random.js';
import * as words from '../seed/words.js';
import type { Row } from './schema/model.js';

function liveIds(org: OrgImpl, object: string, deleted: boolean, max = 5000): string[] {
  const obj = org.book.object(object);
  if (!obj) return [];
  const out: string[] = [];
  for (const row of org.book.scan(
    obj,
    { smLo: -Infinity, smHi: Infinity, idLo: '', idHi: '\uffff' },
    deleted,
  )) {
    if ((row.IsDeleted === true) === deleted) out.push(row.Id as string);
    if (out.length >= max) break;
  }
  return out;
}

function changeFor(org: OrgImpl, rng: Rng, k: number): MutateBody | null {
  const kind = rng.next();
  if (kind < 0.25) {
    const object = rng.pick(['Account', 'Contact', 'Opportunity', 'Case', 'Task']);
    const accounts = liveIds(org, 'Account', false, 200);
    const rec: Row = {};
    if (object === 'Account')
      Object.assign(rec, {
        Name: `${rng.pick(words.COMPANY_A)} ${rng.pick(words.COMPANY_B)} ${k}`,
        Industry: rng.pick(words.INDUSTRIES),
      });
    if (object === 'Contact')
      Object.assign(rec, {
        LastName: rng.pick(words.LAST_NAMES),
        FirstName: rng.pick(words.FIRST_NAMES),
        AccountId: accounts.length ? rng.pick(accounts) : null,
      });
    if (object === 'Opportunity')
      Object.assign(rec, {
        Name: `Churn deal ${k}`,
        StageName: rng.pick(words.STAGES),
        CloseDate: '2030-01-01',
        Amount: rng.int(1, 100) * 1000,
        AccountId: accounts.length ? rng.pick(accounts) : null,
      });
    if (object === 'Case')
      Object.assign(rec, {
        Subject: rng.pick(words.CASE_SUBJECTS),
        Status: 'New',
        Origin: 'Web',
        AccountId: accounts.length ? rng.pick(accounts) : null,
      });
    if (object === 'Task')
      Object.assign(rec, { Subject: 'Follow up', Status: 'Not Started', Priority: 'Normal' });
    return { object, ops: [{ op: 'create', records: [rec] }] };
  }
  if (kind < 0.6) {
    const object = rng.pick(['Account', 'Contact', 'Opportunity', 'Case', 'Lead']);
    const ids = liveIds(org, object, false);
    if (ids.length === 0) return null;
    const set: Record<string, unknown> =
      object === 'Account'
        ? { Rating: rng.pick(['Hot', 'Warm', 'Cold']) }
        : object === 'Contact'
          ? { Title: rng.pick(words.TITLES) }
          : object === 'Opportunity'
            ? { StageName: rng.pick(words.STAGES) }
            : object === 'Case'
              ? { Status: rng.pick(['Working', 'Escalated', 'Closed']) }
              : { Status: 'Working - Contacted' };
    return { object, ops: [{ op: 'update', ids: [rng.pick(ids)], set }] };
  }
  if (kind < 0.7) {
    // Same-second batch: several records share one SystemModstamp.
    const object = rng.pick(['Contact', 'Account']);
    const ids = liveIds(org, object, false);
    if (ids.length === 0) return null;
    const batch = Array.from({ length: rng.int(3, 8) }, () => rng.pick(ids));
    return {
      object,
      ops: [
        {
          op: 'update',
          ids: [...new Set(batch)],
          set:
            object === 'Contact'
              ? { Department: rng.pick(['Sales', 'Support', 'Finance']) }
              : { Rating: 'Warm' },
        },
      ],
      sameSecond: true,
    };
  }
  if (kind < 0.78) {
    // Late commit: a slow transaction becomes visible seconds after its SystemModstamp.
    const ids = liveIds(org, 'Opportunity', false);
    if (ids.length === 0) return null;
    return {
      object: 'Opportunity',
      ops: [{ op: 'update', ids: [rng.pick(ids)], set: { NextStep: `Late commit ${k}` } }],
      commitDelayMs: rng.int(2, 20) * 1000,
    };
  }
  if (kind < 0.86) {
    const object = rng.pick(['Lead', 'Task', 'Contact']);
    const ids = liveIds(org, object, false);
    if (ids.length === 0) return null;
    return { object, ops: [{ op: 'delete', ids: [rng.pick(ids)] }] };
  }
  if (kind < 0.9) {
    const object = rng.pick(['Lead', 'Task', 'Contact']);
    const ids = liveIds(org, object, true);
    if (ids.length === 0) return null;
    return { object, ops: [{ op: 'undelete', ids: [rng.pick(ids)] }] };
  }
  // File upload
  const accounts = liveIds(org, 'Account', false, 200);
  const ext = rng.pick(['pdf', 'png', 'docx', 'txt']);
  if (rng.chance(0.7)) {
    return {
      object: 'ContentVersion',
      ops: [
        {
          op: 'create',
          records: [
            {
              Title: `Upload ${k}`,
              PathOnClient: `upload-${k}.${ext}`,
              FirstPublishLocationId: accounts.length ? rng.pick(accounts) : null,
              body: { bytes: rng.int(500, 200_000), seed: `churn:${org.seedValue}:${k}` },
            },
          ],
        },
      ],
    };
  }
  if (accounts.length === 0) return null;
  return {
    object: 'Attachment',
    ops: [
      {
        op: 'create',
        records: [
          {
            Name: `scan-${k}.${ext}`,
            ParentId: rng.pick(accounts),
            ContentType: 'application/octet-stream',
            body: { bytes: rng.int(500, 100_000), seed: `churn-att:${org.seedValue}:${k}` },
          },
        ],
      },
    ],
  };
}

/** Makes `count` churn changes at simulated time `nowMs`. Never throws: a change that cannot apply is skipped. */
export function applyChurn(org: OrgImpl, count: number, nowMs: number): void {
  for (let i = 0; i < count; i++) {
    const k = org.churnSeq++;
    const rng = new Rng(`churn:${org.seedValue}:${k}`);
    try {
      const body = changeFor(org, rng, k);
      if (body) org.applyMutateAt(body, nowMs);
    } catch {
      // e.g. undelete of a record purged meanwhile: skipped, deterministically.
    }
  }
}
