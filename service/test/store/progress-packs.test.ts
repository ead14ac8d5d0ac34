/**
 * Progress packs (a cursor that moved without new versions, a backfill's completion) through the bucket's
 * upkeep: compaction and the sweep leave their meaning intact, a rebuild restores them, and a write that adds
 * nothing and moves nothing leaves nothing in the bucket.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { getRegistryObject } from '../../src/store/registry/object-registry.js';
import { compactPacks } from '../../src/store/versions/compact-packs.js';
import { collectOrphanPacks, rebuildIndex } from '../../src/store/versions/rebuild-index.js';
import { recordBackfillComplete, writeVersions } from '../../src/store/versions/version-writer.js';
import { createTestDatabase } from '../support/test-db.js';
import { createStoreFixture, makeVersions, ORG_ID, type StoreFixture } from './support/store-fixture.js';

describe('progress in the bucket', () => {
  let f: StoreFixture;
  let now = new Date('2024-06-01T08:00:00.000Z');
  beforeEach(async () => {
    now = new Date('2024-06-01T08:00:00.000Z');
    f = await createStoreFixture({ now: () => now });
  });
  afterEach(async () => {
    await f.close();
  });

  const packCount = () => [...f.blobs.objects.keys()].filter((k) => k.includes('/packs/')).length;

  async function progressAfterRebuild(object: string) {
    const fresh = await createTestDatabase();
    try {
      await rebuildIndex({ knex: fresh.knex, blobs: f.blobs }, ORG_ID);
      const row = await getRegistryObject(fresh.knex, ORG_ID, object);
      return { cursor: row?.cursor ?? null, backfillCompletedAt: row?.backfillCompletedAt ?? null };
    } finally {
      await fresh.destroy();
    }
  }

  test("a finished day's compaction and sweep keep a cursor moved without versions and the backfill's completion", async () => {
    // A day of small passes, then a window that brought no row (the cursor moves on its own), then completion.
    const all = makeVersions(50, 4);
    for (let p = 0; p < 4; p++) {
      const batch = all.slice(p * 50, (p + 1) * 50);
      const last = batch.at(-1)!;
      await writeVersions(f.store, ORG_ID, 'Account', batch, {
        cursor: { systemModstamp: last.systemModstamp, id: last.id },
      });
      now = new Date(now.getTime() + 60_000);
    }
    const windowEnd = { systemModstamp: '2024-05-31T00:00:00.000Z', id: 'zzzzzzzzzzzzzzzAAA' };
    await writeVersions(f.store, ORG_ID, 'Account', [], { cursor: windowEnd });
    const completedAt = new Date('2024-06-01T09:00:00.000Z');
    await recordBackfillComplete(f.store, ORG_ID, 'Account', completedAt);

    now = new Date('2024-06-02T08:00:00.000Z');
    const compacted = await compactPacks(f.store, ORG_ID);
    assert.equal(compacted.replaced, 4, 'the four small version packs merge');
    await collectOrphanPacks(f.store, ORG_ID, { graceMs: 0 });

    assert.deepEqual(await progressAfterRebuild('Account'), {
      cursor: windowEnd,
      backfillCompletedAt: completedAt,
    });
  });

  test('an object without records keeps its completed backfill through a rebuild', async () => {
    const completedAt = new Date('2024-06-01T09:00:00.000Z');
    await recordBackfillComplete(f.store, ORG_ID, 'Lead', completedAt);
    assert.deepEqual(await progressAfterRebuild('Lead'), { cursor: null, backfillCompletedAt: completedAt });
  });

  test('a write that adds nothing and moves nothing leaves nothing in the bucket; a completion is written once', async () => {
    const versions = makeVersions(10, 1);
    const last = versions.at(-1)!;
    const cursor = { systemModstamp: last.systemModstamp, id: last.id };
    await writeVersions(f.store, ORG_ID, 'Account', versions, { cursor });
    const packs = packCount();
    await writeVersions(f.store, ORG_ID, 'Account', versions, { cursor });
    await writeVersions(f.store, ORG_ID, 'Account', [], { cursor });
    assert.equal(packCount(), packs, 'a re-read and a cursor that stays add no pack');
    await recordBackfillComplete(f.store, ORG_ID, 'Account', new Date('2024-06-01T09:00:00.000Z'));
    await recordBackfillComplete(f.store, ORG_ID, 'Account', new Date('2024-06-01T10:00:00.000Z'));
    assert.equal(packCount(), packs + 1, 'one progress pack for the completion');
    const row = await getRegistryObject(f.db.knex, ORG_ID, 'Account');
    assert.equal(row?.backfillCompletedAt?.toISOString(), '2024-06-01T09:00:00.000Z');
  });
});
