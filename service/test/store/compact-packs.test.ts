import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compactPacks } from '../../src/store/versions/compact-packs.js';
import { writeVersions } from '../../src/store/versions/version-writer.js';
import { recordHistory } from '../../src/store/versions/version-reader.js';
import {
  adoptOrphanPacks,
  collectOrphanPacks,
  rebuildIndex,
} from '../../src/store/versions/rebuild-index.js';
import type { BlobStore } from '../../src/store/blob/blob-store.js';
import type { StoreContext } from '../../src/store/store-context.js';
import { createTestDatabase } from '../support/test-db.js';
import { exportAll, snapshot } from './support/index-snapshot.js';
import {
  createStoreFixture,
  makeVersions,
  ORG_ID,
  recordId,
  type StoreFixture,
} from './support/store-fixture.js';

const PACKS_PREFIX = `orgs/${ORG_ID}/packs/`;

function packKeysIn(f: StoreFixture): string[] {
  return [...f.blobs.objects.keys()].filter((k) => k.startsWith(PACKS_PREFIX)).sort();
}

describe('compacting small packs', () => {
  let f: StoreFixture;
  let now = new Date('2024-06-01T08:00:00.000Z');
  beforeEach(async () => {
    now = new Date('2024-06-01T08:00:00.000Z');
    f = await createStoreFixture({ now: () => now });
  });
  afterEach(async () => {
    await f.close();
  });

  /** A continuous backup's day: `passes` small batches of Account, each moving the cursor. */
  async function smallPasses(passes: number, perPass: number, startPass = 0): Promise<void> {
    const all = makeVersions(200, 40, { padding: 30 });
    for (let p = startPass; p < startPass + passes; p++) {
      const batch = all.slice(p * perPass, (p + 1) * perPass);
      const last = batch.at(-1)!;
      await writeVersions(f.store, ORG_ID, 'Account', batch, {
        cursor: { systemModstamp: last.systemModstamp, id: last.id },
      });
      now = new Date(now.getTime() + 30_000);
    }
  }

  test("a finished day's small packs become one, and everything reads back the same", async () => {
    await smallPasses(60, 25); // day 1: 60 packs of 25 versions
    now = new Date('2024-06-02T08:00:00.000Z');
    await smallPasses(3, 25, 60); // day 2 (today): left alone
    const exported = await exportAll(f.store, ['Account']);
    const history = await recordHistory(f.store, ORG_ID, 'Account', recordId('001', 7));
    const before = await snapshot(f.db);
    const packsBefore = packKeysIn(f);
    assert.equal(packsBefore.length, 63);

    const result = await compactPacks(f.store, ORG_ID);
    assert.equal(result.merged, 1);
    assert.equal(result.replaced, 60);
    assert.ok(result.bytesAfter < result.bytesBefore, `${result.bytesAfter} < ${result.bytesBefore}`);

    const after = await snapshot(f.db);
    assert.equal(after.packs.length, 4, 'one merged pack and the three of today');
    assert.equal(await exportAll(f.store, ['Account']), exported, 'same versions, same bytes, same order');
    assert.deepEqual(await recordHistory(f.store, ORG_ID, 'Account', recordId('001', 7)), history);
    const [objBefore, objAfter] = [before.objects[0], after.objects[0]];
    assert.equal(objAfter.versions, objBefore.versions);
    assert.equal(objAfter.records, objBefore.records);
    assert.equal(objAfter.cursor_id, objBefore.cursor_id, 'the cursor does not move');
    const packBytes = after.packs.reduce((n: number, p: { bytes: string }) => n + Number(p.bytes), 0);
    assert.equal(Number(objAfter.bytes), packBytes, 'object bytes = its packs, after the swap');
    const day1 = after.daily.find((d: { day: Date }) => d.day.toISOString().startsWith('2024-06-01'));
    assert.equal(Number(day1.versions), 60 * 25);
    assert.equal(Number(day1.bytes), result.bytesAfter);

    // The sources stay readable until the sweep's grace period, then go.
    assert.equal(packKeysIn(f).length, 64);
    assert.deepEqual(await collectOrphanPacks(f.store, ORG_ID, { graceMs: 60 * 60_000 }), []);
    now = new Date(now.getTime() + 2 * 60 * 60_000);
    assert.equal((await collectOrphanPacks(f.store, ORG_ID, { graceMs: 60 * 60_000 })).length, 60);
    assert.equal(packKeysIn(f).length, 4);
    assert.equal(await exportAll(f.store, ['Account']), exported);

    // Nothing left to do: a second run merges nothing.
    assert.equal((await compactPacks(f.store, ORG_ID)).merged, 0);
  });

  test('a rebuild from the bucket equals the compacted index, before and after the sweep', async () => {
    await smallPasses(30, 20);
    now = new Date('2024-06-02T09:00:00.000Z');
    await compactPacks(f.store, ORG_ID);
    const exported = await exportAll(f.store, ['Account']);
    const original = await snapshot(f.db);

    for (const swept of [false, true]) {
      if (swept) {
        now = new Date(now.getTime() + 48 * 60 * 60_000);
        assert.equal((await collectOrphanPacks(f.store, ORG_ID)).length, 30);
      }
      const fresh = await createTestDatabase();
      try {
        const rebuilt: StoreContext = { knex: fresh.knex, blobs: f.blobs, now: () => now };
        const result = await rebuildIndex(rebuilt, ORG_ID);
        assert.equal(result.packsMarkedRedundant, swept ? 0 : 30, 'replaced sources are skipped');
        assert.equal(await exportAll(rebuilt, ['Account']), exported);
        assert.deepEqual(await snapshot(fresh), original);
      } finally {
        await fresh.destroy();
      }
    }
  });

  test('a compaction that dies after uploading its pack changes nothing; the orphan is collected', async () => {
    await smallPasses(12, 10);
    now = new Date('2024-06-02T09:00:00.000Z');
    const exported = await exportAll(f.store, ['Account']);
    const before = await snapshot(f.db);
    // The merged pack reaches the bucket, then the process "dies" before the index transaction.
    const dying: BlobStore = Object.create(f.blobs) as BlobStore;
    dying.putIfAbsent = async (...args) => {
      await f.blobs.putIfAbsent(...args);
      throw new Error('killed after upload');
    };
    await assert.rejects(compactPacks({ ...f.store, blobs: dying }, ORG_ID), /killed after upload/);
    assert.deepEqual(await snapshot(f.db), before);
    assert.equal(packKeysIn(f).length, 13, 'the 12 sources and an orphan merged pack');

    const adopted = await adoptOrphanPacks(f.store, ORG_ID, { graceMs: 0 });
    assert.equal(adopted.packsMarkedRedundant, 1, 'it adds nothing: marked, not indexed');
    assert.deepEqual(await snapshot(f.db), before);
    now = new Date(now.getTime() + 48 * 60 * 60_000);
    assert.equal((await collectOrphanPacks(f.store, ORG_ID)).length, 1);
    assert.equal(await exportAll(f.store, ['Account']), exported);
    // And a later compaction still does the job.
    assert.equal((await compactPacks(f.store, ORG_ID)).replaced, 12);
    assert.equal(await exportAll(f.store, ['Account']), exported);
  });

  test('large packs, multi-pack batches and bad settings are left alone', async () => {
    // One batch split into several packs (each names the others): never merged, however small.
    const store = { ...f.store, packOptions: { blockRawBytes: 2048, maxPackBytes: 4096 } };
    const many = makeVersions(300, 1, { prefix: '003', padding: 60 });
    await writeVersions(store, ORG_ID, 'Contact', many, {
      cursor: { systemModstamp: many.at(-1)!.systemModstamp, id: many.at(-1)!.id },
    });
    // Two Lead packs of the same day.
    const leads = makeVersions(400, 2, { prefix: '00Q' });
    await writeVersions(f.store, ORG_ID, 'Lead', leads.slice(0, 400));
    await writeVersions(f.store, ORG_ID, 'Lead', leads.slice(400));
    now = new Date('2024-06-03T00:00:00.000Z');
    const before = await snapshot(f.db);
    assert.ok(before.packs.length > 4);
    const leadBytes = (await f.db.knex('packs').whereIn('entry_count', [400]).select('bytes')).map((r) =>
      Number(r.bytes),
    );
    assert.equal(leadBytes.length, 2);

    // Both Lead packs at or above the small-pack size: nothing merges.
    const none = await compactPacks(f.store, ORG_ID, {
      smallBytes: Math.min(...leadBytes),
      targetBytes: 1 << 30,
    });
    assert.equal(none.merged, 0);
    assert.deepEqual(await snapshot(f.db), before);
    await assert.rejects(compactPacks(f.store, ORG_ID, { smallBytes: 0 }), /smallBytes/);
    await assert.rejects(compactPacks(f.store, ORG_ID, { smallBytes: 10, targetBytes: 5 }), /smallBytes/);

    // Above them, the two Lead packs merge and the Contact batch still does not.
    const some = await compactPacks(f.store, ORG_ID, { smallBytes: 1 << 20, targetBytes: 1 << 30 });
    assert.deepEqual([some.merged, some.replaced], [1, 2]);
    const contactPacks = await f.db.knex('packs').join('objects', 'objects.object_key', 'packs.object_key');
    assert.equal(
      contactPacks.filter((p: { name: string }) => p.name === 'Contact').length,
      before.packs.length - 2,
    );
  });
});
