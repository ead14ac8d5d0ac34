import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import type { BlobStore } from '../../src/store/blob/blob-store.js';
import { recordError } from '../../src/store/registry/error-log.js';
import { claimObjectRun, releaseObjectRun } from '../../src/store/registry/object-registry.js';
import { countersMatchIndex } from '../../src/store/registry/live-records.js';
import type { StoreContext } from '../../src/store/store-context.js';
import { compactPacks } from '../../src/store/versions/compact-packs.js';
import { eraseRecord, type EraseTarget } from '../../src/store/versions/erase-record.js';
import { findObjectKey } from '../../src/store/versions/objects-repository.js';
import { rebuildIndex } from '../../src/store/versions/rebuild-index.js';
import type { VersionInput } from '../../src/store/versions/version-entry.js';
import { recordHistory } from '../../src/store/versions/version-reader.js';
import { writeVersions } from '../../src/store/versions/version-writer.js';
import { createTestDatabase } from '../support/test-db.js';
import { exportAll, snapshot } from './support/index-snapshot.js';
import { MemoryBlobStore } from './support/memory-blob-store.js';
import {
  createStoreFixture,
  makeVersions,
  ORG_ID,
  recordId,
  type StoreFixture,
} from './support/store-fixture.js';

const ERASED = recordId('001', 7);
const UNIQUE = 'jane.doe.unique@example.com';
const OTHER = recordId('001', 8);

/** Every bucket object's bytes as text (packs and other gzip objects inflated). */
function bucketText(blobs: MemoryBlobStore): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, bytes] of blobs.objects) {
    const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
    out.set(key, (gz ? gunzipSync(bytes) : bytes).toString('utf8'));
  }
  return out;
}

function holding(blobs: MemoryBlobStore, needle: string): string[] {
  return [...bucketText(blobs)].filter(([, text]) => text.includes(needle)).map(([key]) => key);
}

/** The export without the erased record's lines. */
function withoutErased(exported: string): string {
  return exported
    .split('\n')
    .filter((l) => !l.includes(ERASED))
    .join('\n');
}

describe('erasing a record from the backup', () => {
  let f: StoreFixture;
  let now = new Date('2024-06-01T08:00:00.000Z');
  let target: EraseTarget;

  beforeEach(async () => {
    now = new Date('2024-06-01T08:00:00.000Z');
    f = await createStoreFixture({ now: () => now });
  });
  afterEach(async () => {
    await f.close();
  });

  /** Six rounds of changes to 20 Accounts (the erased one carries a unique e-mail), one pack per pass. */
  async function backUp(): Promise<void> {
    const all = makeVersions(20, 6, { padding: 30 }).map((v): VersionInput =>
      v.id === ERASED ? { ...v, fields: { ...v.fields, Email__c: UNIQUE } } : v,
    );
    for (let pass = 0; pass < 6; pass++) {
      if (pass === 4) now = new Date('2024-06-02T08:00:00.000Z'); // day 1 is over: its four packs can merge
      const batch = all.slice(pass * 20, (pass + 1) * 20);
      const last = batch.at(-1)!;
      await writeVersions(f.store, ORG_ID, 'Account', batch, {
        cursor: { systemModstamp: last.systemModstamp, id: last.id },
      });
      now = new Date(now.getTime() + 60_000);
    }
    await writeVersions(f.store, ORG_ID, 'Contact', makeVersions(5, 2, { prefix: '003' }));
    assert.equal(
      (await compactPacks(f.store, ORG_ID)).replaced,
      4,
      'day 1: its four Account packs merge into one',
    );
    const objectKey = (await findObjectKey(f.db.knex, ORG_ID, 'Account'))!;
    target = { orgId: ORG_ID, object: 'Account', objectKey };
  }

  /** A writer that died after uploading its pack: an orphan with a new version of the erased record and another. */
  async function leaveOrphan(): Promise<void> {
    const dying: BlobStore = Object.create(f.blobs) as BlobStore;
    dying.putIfAbsent = async (...args) => {
      await f.blobs.putIfAbsent(...args);
      throw new Error('killed after upload');
    };
    const late = [ERASED, OTHER].map((id, i) => ({
      id,
      systemModstamp: new Date(Date.UTC(2024, 0, 2, 0, 0, i)).toISOString(),
      deleted: false,
      fields: { Id: id, Name: 'late', Email__c: id === ERASED ? UNIQUE : null },
    }));
    await assert.rejects(
      writeVersions({ ...f.store, blobs: dying }, ORG_ID, 'Account', late),
      /killed after upload/,
    );
  }

  async function erase(store: StoreContext = f.store) {
    const lease = 'test-lease';
    assert.ok(await claimObjectRun(store.knex, target.objectKey, lease));
    try {
      return await eraseRecord(store, target, ERASED, { reason: 'GDPR request 42', by: 'dpo', lease });
    } finally {
      await releaseObjectRun(store.knex, target.objectKey, lease);
    }
  }

  test('every version goes from the index and the bucket; the rest reads back the same; counters follow', async () => {
    await backUp();
    await leaveOrphan();
    await recordError(f.db.knex, {
      orgId: ORG_ID,
      code: 'FIELD_INTEGRITY',
      message: `bad value ${UNIQUE}`,
      object: 'Account',
      recordId: ERASED,
      at: now,
    });
    assert.equal((await recordHistory(f.store, ORG_ID, 'Account', ERASED)).length, 6);
    const exported = await exportAll(f.store, ['Account', 'Contact']);
    const before = await snapshot(f.db);
    const packsWithIt = holding(f.blobs, ERASED);
    assert.ok(packsWithIt.length >= 3, `spread over packs: ${packsWithIt.length}`);
    const dry = await eraseRecord(f.store, target, ERASED, { dryRun: true });
    assert.equal(dry.outcome, 'would-erase');
    assert.equal(dry.versions, 6);
    assert.deepEqual([...dry.packs].sort(), [...packsWithIt].sort());
    assert.deepEqual(await snapshot(f.db), before, 'a dry run changes nothing');

    const result = await erase();
    assert.equal(result.outcome, 'erased');
    assert.equal(result.versions, 6);
    assert.equal(result.errorRows, 1);
    assert.equal(result.packsDeleted, packsWithIt.length, 'the old packs and the orphan are gone at once');

    assert.deepEqual(await recordHistory(f.store, ORG_ID, 'Account', ERASED), []);
    const after = await exportAll(f.store, ['Account', 'Contact']);
    const late = (await recordHistory(f.store, ORG_ID, 'Account', OTHER))[0]!;
    assert.equal(late.fields.Name, 'late', "the orphan's other version was adopted");
    assert.equal(
      withoutErased(after).replace(/^.*"late".*\n/m, ''),
      withoutErased(exported),
      'every other version reads back identically',
    );

    const account = await countersMatchIndex(f.db.knex, ORG_ID, 'Account');
    assert.deepEqual(account.stored, account.counted);
    assert.equal(account.stored.records, 19);
    const snap = await snapshot(f.db);
    const objectRow = snap.objects.find((o: { name: string }) => o.name === 'Account');
    const packBytes = await f.db
      .knex('packs')
      .where({ object_key: target.objectKey })
      .sum<{ sum: string }>('bytes')
      .first();
    assert.equal(Number(objectRow.bytes), Number(packBytes!.sum), 'object bytes = its packs');
    const dayVersions = snap.daily.reduce((n: number, d: { versions: string }) => n + Number(d.versions), 0);
    const allVersions = snap.objects.reduce(
      (n: number, o: { versions: string }) => n + Number(o.versions),
      0,
    );
    assert.equal(dayVersions, allVersions, 'per-day progress adds up to the totals');
    assert.equal(await f.db.knex('errors').where({ record_id: ERASED }).first(), undefined);

    // Nothing in the bucket names the record or holds its values: not its packs, not its tombstone.
    assert.deepEqual(holding(f.blobs, ERASED), []);
    assert.deepEqual(holding(f.blobs, UNIQUE), []);
    const tombstone = await f.db.knex('erasures').where({ record_id: ERASED }).first();
    assert.equal(tombstone.state, 'done');
    assert.equal(tombstone.reason, 'GDPR request 42');
    assert.equal(tombstone.requested_by, 'dpo');
    assert.ok([...f.blobs.objects.keys()].some((k) => k.startsWith(`orgs/${ORG_ID}/erasures/Account/`)));

    // Running it again is a no-op that says so.
    const again = await erase();
    assert.equal(again.outcome, 'already-erased');
    assert.equal(again.erasedAt, result.erasedAt);
    assert.deepEqual(await snapshot(f.db), snap);
  });

  test('rebuild-index leaves the record out, from packs that still hold it too', async () => {
    await backUp();
    const original = new MemoryBlobStore();
    for (const [key, bytes] of f.blobs.objects) original.objects.set(key, bytes);
    await erase();
    const live = await exportAll(f.store, ['Account', 'Contact']);
    const liveSnapshot = await snapshot(f.db);

    // The bucket as it is now, and the bucket as it was plus the erasure markers (packs awaiting a sweep).
    for (const stale of [false, true]) {
      const blobs = stale ? original : f.blobs;
      if (stale)
        for (const [key, bytes] of f.blobs.objects)
          if (key.includes('/erasures/')) blobs.objects.set(key, bytes);
      const fresh = await createTestDatabase();
      try {
        await fresh.knex('orgs').insert({ org_id: ORG_ID });
        const rebuilt: StoreContext = { knex: fresh.knex, blobs, now: () => now };
        await rebuildIndex(rebuilt, ORG_ID);
        assert.deepEqual(await recordHistory(rebuilt, ORG_ID, 'Account', ERASED), []);
        assert.equal(await exportAll(rebuilt, ['Account', 'Contact']), live);
        if (!stale) assert.deepEqual(await snapshot(fresh), liveSnapshot, 'a rebuild equals the live index');
        const restored = await fresh.knex('erasures').first();
        assert.equal(restored.record_id, null, 'the tombstone comes back, known by hash');
        assert.equal(restored.reason, 'GDPR request 42');
      } finally {
        await fresh.destroy();
      }
    }
  });

  test('an erasure cut short is finished by running it again', async () => {
    await backUp();
    // The second rewrite fails (the process dies): the first pack is rewritten, the rest not yet.
    let rewrites = 0;
    const failing: BlobStore = Object.create(f.blobs) as BlobStore;
    failing.putIfAbsent = async (...args) => {
      if (args[0].includes('/packs/') && ++rewrites === 2) throw new Error('killed mid-erasure');
      return f.blobs.putIfAbsent(...args);
    };
    await assert.rejects(erase({ ...f.store, blobs: failing }), /killed mid-erasure/);
    assert.equal((await f.db.knex('erasures').first()).state, 'pending');
    assert.ok((await recordHistory(f.store, ORG_ID, 'Account', ERASED)).length > 0);

    const resumed = await erase();
    assert.equal(resumed.outcome, 'erased');
    assert.equal(resumed.versions, 6, 'counted once across both runs');
    assert.deepEqual(await recordHistory(f.store, ORG_ID, 'Account', ERASED), []);
    assert.deepEqual(holding(f.blobs, ERASED), []);
    const account = await countersMatchIndex(f.db.knex, ORG_ID, 'Account');
    assert.deepEqual(account.stored, account.counted);
    assert.equal(
      await f.db
        .knex('erasures')
        .count<{ count: string }>('* as count')
        .first()
        .then((r) => Number(r!.count)),
      1,
    );
  });

  test('a record backed up again after its erasure survives a rebuild; erasing it again takes it', async () => {
    await backUp();
    await erase();
    now = new Date(now.getTime() + 60_000);
    const again = {
      id: ERASED,
      systemModstamp: '2024-02-01T00:00:00.000Z',
      deleted: false,
      fields: { Id: ERASED, Name: 'still in the org' },
    };
    await writeVersions(f.store, ORG_ID, 'Account', [again]);
    const fresh = await createTestDatabase();
    try {
      await rebuildIndex({ knex: fresh.knex, blobs: f.blobs, now: () => now }, ORG_ID);
      const history = await recordHistory({ knex: fresh.knex, blobs: f.blobs }, ORG_ID, 'Account', ERASED);
      assert.deepEqual(
        history.map((h) => h.fields.Name),
        ['still in the org'],
      );
    } finally {
      await fresh.destroy();
    }
    const second = await erase();
    assert.equal(second.outcome, 'erased');
    assert.equal(second.versions, 1);
    assert.deepEqual(holding(f.blobs, ERASED), []);
  });
});
