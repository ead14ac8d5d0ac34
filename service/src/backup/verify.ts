/**
 * Verification: compares the backup with the org, each object up to the point it is caught up to.
 * For every record the org has at or before that point, the backup's newest version at that point must carry
 * the same SystemModstamp and deleted state; a record the backup holds as existing must still exist in the org
 * (or have changed after that point: pending, not a gap). Counters are checked against the index rows.
 */
import { getDeleted, holdsWholeMinute } from '../salesforce/replication.js';
import { queryPages } from '../salesforce/rest-query.js';
import { canonicalDatetime } from '../store/packs/canonical-record.js';
import { countersMatchIndex, newestVersionsAsOf } from '../store/registry/live-records.js';
import { listRegistry, type RegistryObject } from '../store/registry/object-registry.js';
import { orgStamp } from '../store/versions/version-entry.js';
import type { EngineContext } from './engine-context.js';
import type { ObjectSupport } from './object-support.js';
import { objectsToBackUp } from './backup-pass.js';
import { idsFoundInOrg } from './org-ids.js';
import { soqlDatetime } from './soql.js';

export type GapKind =
  'missing-record' | 'stale-version' | 'delete-not-recorded' | 'counter-mismatch' | 'field-not-held';

export interface Gap {
  object: string;
  id?: string;
  kind: GapKind;
  detail: string;
}

export interface ObjectVerification {
  object: string;
  caughtUpTo: string | null;
  orgRecords: number;
  backupRecords: number;
  pending: number;
  gaps: Gap[];
}

export async function verifyOrg(
  ctx: EngineContext,
  only?: string[],
): Promise<{ objects: ObjectVerification[]; gaps: number }> {
  const targets = objectsToBackUp(await listRegistry(ctx.store.knex, ctx.org.orgId), only);
  const objects: ObjectVerification[] = [];
  for (const object of targets) {
    const support = object.supportDetail as Extract<ObjectSupport, { supported: true }>;
    if (!object.caughtUpAt || support.access.kind !== 'query') {
      objects.push({
        object: object.name,
        caughtUpTo: null,
        orgRecords: 0,
        backupRecords: 0,
        pending: 0,
        gaps: [],
      });
      continue;
    }
    const hasIsDeleted = (object.fields ?? []).some((f) => f.name === 'IsDeleted');
    const verified = await verifyObject(
      ctx,
      object.name,
      support.cursorField,
      object.caughtUpAt,
      hasIsDeleted,
      {
        viaGetDeleted: support.deletes === 'get-deleted' && support.cursorField === 'SystemModstamp',
        checkedUntil: object.deletesCheckedUntil,
      },
    );
    verified.gaps.push(...fieldsNotHeld(object));
    objects.push(verified);
  }
  return { objects, gaps: objects.reduce((n, o) => n + o.gaps.length, 0) };
}

/**
 * Fields the integration user can read that the backup does not hold for every record: they became readable after
 * records were stored, and the re-read of those records (field-refresh.ts) has not finished.
 */
function fieldsNotHeld(object: RegistryObject): Gap[] {
  if (!object.coveredFields || !object.fields) return [];
  const held = new Set(object.coveredFields);
  return object.fields
    .filter((f) => !held.has(f.name))
    .map((f) => ({
      object: object.name,
      kind: 'field-not-held' as const,
      detail: `${f.name} is readable in the org but not in the backup for the records stored before it became readable${object.fieldRefresh?.fields.includes(f.name) ? ' (their re-read is under way)' : ''}`,
    }));
}

/**
 * Deletes the backup cannot have seen yet: those after its last getDeleted check (asked of Salesforce), or — for
 * objects whose deletes are found by periodic Id reconciliation — any, until the next reconciliation.
 */
async function deletedSinceLastCheck(
  ctx: EngineContext,
  object: string,
  deletes: { viaGetDeleted: boolean; checkedUntil: Date | null },
): Promise<Set<string> | 'all'> {
  if (!deletes.viaGetDeleted || !deletes.checkedUntil) return 'all';
  const now = ctx.session.clock.now();
  // Less than a whole minute since the check: Salesforce cannot answer yet, and nothing could have been checked.
  if (!holdsWholeMinute(deletes.checkedUntil, now)) return 'all';
  const result = await getDeleted(ctx.session, object, deletes.checkedUntil, now);
  return new Set(result.deletedRecords.map((r) => r.id));
}

async function verifyObject(
  ctx: EngineContext,
  object: string,
  cursorField: string,
  caughtUpTo: Date,
  hasIsDeleted: boolean,
  deletes: { viaGetDeleted: boolean; checkedUntil: Date | null },
): Promise<ObjectVerification> {
  const gaps: Gap[] = [];
  const backup = await newestVersionsAsOf(ctx.store.knex, ctx.org.orgId, object, caughtUpTo);
  const inOrg = new Map<string, { stamp: string; deleted: boolean }>();
  const soql = `SELECT Id, ${cursorField}${hasIsDeleted ? ', IsDeleted' : ''} FROM ${object} WHERE ${cursorField} <= ${soqlDatetime(caughtUpTo)}`;
  for await (const page of queryPages<Record<string, unknown>>(ctx.session, soql, {
    scanAll: true,
    batchSize: 2000,
  })) {
    for (const r of page.records)
      inOrg.set(String(r.Id), {
        stamp: canonicalDatetime(cursorField, r[cursorField]),
        deleted: r.IsDeleted === true,
      });
  }
  for (const [id, org] of inOrg) {
    const held = backup.get(id);
    if (!held)
      gaps.push({
        object,
        id,
        kind: 'missing-record',
        detail: `the org has it at ${org.stamp}; the backup has no version`,
      });
    else if (orgStamp(held.systemModstamp) !== org.stamp || held.deleted !== org.deleted) {
      gaps.push({
        object,
        id,
        kind: 'stale-version',
        detail: `org ${org.stamp}${org.deleted ? ' (deleted)' : ''}, backup ${held.systemModstamp}${held.deleted ? ' (deleted)' : ''}`,
      });
    }
  }
  // Records the backup holds as existing that the bounded query did not return: changed later (pending) or gone.
  const unexplained = [...backup].filter(([id, v]) => !v.deleted && !inOrg.has(id)).map(([id]) => id);
  const found = await idsFoundInOrg(ctx, object, unexplained);
  const gone = unexplained.filter((id) => !found.has(id));
  let pending = unexplained.length - gone.length;
  const deletedSinceCheck =
    gone.length > 0 ? await deletedSinceLastCheck(ctx, object, deletes) : new Set<string>();
  for (const id of gone) {
    if (deletedSinceCheck === 'all' || deletedSinceCheck.has(id)) pending += 1;
    else
      gaps.push({
        object,
        id,
        kind: 'delete-not-recorded',
        detail:
          'gone from the org (hard delete or purge) before the last delete check, but the backup still holds it as existing',
      });
  }
  const counters = await countersMatchIndex(ctx.store.knex, ctx.org.orgId, object);
  if (
    counters.counted.versions !== counters.stored.versions ||
    counters.counted.records !== counters.stored.records
  ) {
    gaps.push({
      object,
      kind: 'counter-mismatch',
      detail: `counters say ${counters.stored.versions} versions / ${counters.stored.records} records, the index holds ${counters.counted.versions} / ${counters.counted.records}`,
    });
  }
  const backupRecords = [...backup.values()].filter((v) => !v.deleted).length;
  return {
    object,
    caughtUpTo: caughtUpTo.toISOString(),
    orgRecords: [...inOrg.values()].filter((v) => !v.deleted).length,
    backupRecords,
    pending,
    gaps,
  };
}
