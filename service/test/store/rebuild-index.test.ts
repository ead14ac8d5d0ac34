import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeVersions } from '../../src/store/versions/version-writer.js';
import { tombstone } from '../../src/store/versions/version-entry.js';
import { adoptOrphanPacks, rebuildIndex } from '../../src/store/versions/rebuild-index.js';
import { writeFileMappings } from '../../src/store/files/file-mappings.js';
import { saveSchemaSnapshot } from '../../src/store/schemas/schema-snapshots.js';
import { buildPacks } from '../../src/store/packs/pack-builder.js';
import { packKey } from '../../src/store/packs/pack-keys.js';
import { encodeVersionLine } from '../../src/store/versions/version-entry.js';
import { createTestDatabase } from '../support/test-db.js';
import type { StoreContext } from '../../src/store/store-context.js';
import {
  createStoreFixture,
  makeVersions,
  ORG_ID,
  recordId,
  type StoreFixture,
} from './support/store-fixture.js';
import { exportAll, snapshot } from './support/index-snapshot.js';

describe('rebuild-index', () => {
  let f: StoreFixture;
  let day = 0;
  const clock = () => new Date(Date.UTC(2024, 5, 1 + day, 12));
  before(async () => {
    f = await createStoreFixture({ now: clock });
  });
  after(async () => {
    await f.close();
  });

  test('a new empty database on the same bucket rebuilds an index equal to the original (100k versions)', async () => {
    // Account: 25,000 records × 4 versions, written in batches over several days, cursor moving.
    const accounts = makeVersions(25_000, 4, { padding: 8 });
    for (let i = 0; i < accounts.length; i += 20_000) {
      const batch = accounts.slice(i, i + 20_000);
      const last = batch.at(-1)!;
      await writeVersions(f.store, ORG_ID, 'Account', batch, {
        cursor: { systemModstamp: last.systemModstamp, id: last.id },
        schemaHash: null,
      });
      day += 1;
    }
    // Contact with a describe snapshot, soft and hard deletes.
    const { hash } = await saveSchemaSnapshot(f.store, ORG_ID, 'Contact', {
      name: 'Contact',
      fields: [
        { name: 'Id', type: 'id' },
        { name: 'LastName', type: 'string' },
      ],
    });
    const contacts = makeVersions(100, 1, { prefix: '003' });
    contacts[5] = { ...contacts[5]!, deleted: true, fields: { ...contacts[5]!.fields, IsDeleted: true } };
    await writeVersions(
      f.store,
      ORG_ID,
      'Contact',
      [...contacts, tombstone(recordId('003', 9), '2024-03-01T00:00:00.000Z')],
      { schemaHash: hash },
    );
    // File mappings.
    await writeFileMappings(f.store, ORG_ID, 'ContentVersion', [
      {
        recordId: recordId('068', 1),
        systemModstamp: '2024-01-05T00:00:00.000Z',
        sha256: 'a'.repeat(64),
        size: 1234,
      },
      {
        recordId: recordId('068', 2),
        systemModstamp: '2024-01-06T00:00:00.000Z',
        sha256: 'b'.repeat(64),
        size: 99,
      },
    ]);

    const objects = ['Account', 'Contact'];
    const original = await exportAll(f.store, objects);
    assert.equal(original.split('\n').length - 1, 100_000 + 101);
    const before = await snapshot(f.db);

    const fresh = await createTestDatabase();
    try {
      const rebuiltStore: StoreContext = { knex: fresh.knex, blobs: f.blobs, now: clock };
      const result = await rebuildIndex(rebuiltStore, ORG_ID);
      assert.deepEqual(result.unreadable, []);
      assert.equal(result.versionsIndexed, 100_101);
      assert.equal(result.filesIndexed, 2);
      assert.equal(result.schemasRestored, 1);

      assert.equal(await exportAll(rebuiltStore, objects), original, 'identical export');
      const after = await snapshot(fresh);
      assert.deepEqual(
        after.objects,
        before.objects.filter((o) => o.versions > 0 || o.files > 0),
      );
      assert.deepEqual(after.daily, before.daily);
      assert.deepEqual(after.files, before.files);
      assert.deepEqual(after.schemas, before.schemas);
      assert.deepEqual(after.packs, before.packs);

      // Running it again finds nothing new.
      const again = await rebuildIndex(rebuiltStore, ORG_ID);
      assert.equal(again.packsIndexed, 0);
      assert.deepEqual(await snapshot(fresh), after);
    } finally {
      await fresh.destroy();
    }
  });

  test('a damaged pack is reported by name and the rest of the bucket is still rebuilt', async () => {
    const g = await createStoreFixture();
    try {
      await writeVersions(g.store, ORG_ID, 'Case', makeVersions(50, 1, { prefix: '500' }));
      await writeVersions(
        g.store,
        ORG_ID,
        'Case',
        makeVersions(50, 1, { prefix: '500', start: Date.UTC(2024, 1, 1) }),
      );
      const keys = [...g.blobs.objects.keys()].filter((k) => k.includes('/packs/Case/')).sort();
      assert.equal(keys.length, 2);
      const damaged = Buffer.from(g.blobs.objects.get(keys[0]!)!);
      damaged.writeUInt8(damaged.readUInt8(damaged.length - 30) ^ 0xff, damaged.length - 30);
      g.blobs.objects.set(keys[0]!, damaged);

      const fresh = await createTestDatabase();
      try {
        const result = await rebuildIndex({ knex: fresh.knex, blobs: g.blobs }, ORG_ID);
        assert.deepEqual(
          result.unreadable.map((u) => u.key),
          [keys[0]],
        );
        assert.match(result.unreadable[0]!.error, /content hash/);
        assert.equal(result.versionsIndexed, 50);
      } finally {
        await fresh.destroy();
      }
    } finally {
      await g.close();
    }
  });

  test('orphan packs are adopted after their grace period; a cursor is restored only when its whole batch is present', async () => {
    const g = await createStoreFixture({ now: () => new Date('2024-07-01T00:00:00.000Z') });
    try {
      // Two packs of one batch, uploaded but never indexed (a writer that died before its commit).
      const versions = makeVersions(300, 1, { prefix: '006' });
      const last = versions.at(-1)!;
      const packs = await buildPacks(
        {
          kind: 'versions',
          orgId: ORG_ID,
          object: 'Opportunity',
          schemaHash: null,
          writtenAt: '2024-06-30T00:00:00.000Z',
          cursor: { systemModstamp: last.systemModstamp, id: last.id },
        },
        versions.map((v) => ({ json: encodeVersionLine(v), systemModstamp: v.systemModstamp })),
        { blockRawBytes: 4096, maxPackBytes: 4096 },
      );
      assert.ok(packs.length >= 2);
      for (const p of packs.slice(1))
        await g.blobs.putIfAbsent(packKey(ORG_ID, 'Opportunity', p.id), p.bytes);

      // The first pack of the batch is missing: versions adopted, cursor not moved.
      const partial = await adoptOrphanPacks(g.store, ORG_ID, { graceMs: 60_000 });
      assert.equal(partial.packsIndexed, packs.length - 1);
      let row = await g.db.knex('objects').where({ org_id: ORG_ID, name: 'Opportunity' }).first();
      assert.equal(row.cursor_id, null);
      assert.equal(row.versions, 300 - packs[0]!.header.count);

      // Once every pack is there, the cursor comes back too.
      await g.blobs.putIfAbsent(packKey(ORG_ID, 'Opportunity', packs[0]!.id), packs[0]!.bytes);
      await adoptOrphanPacks(g.store, ORG_ID, { graceMs: 60_000 });
      await rebuildIndex(g.store, ORG_ID); // the cursor check runs over the whole bucket
      row = await g.db.knex('objects').where({ org_id: ORG_ID, name: 'Opportunity' }).first();
      assert.equal(row.versions, 300);
      assert.equal(row.records, 300);
      assert.equal(row.cursor_id, last.id);

      // A pack written a moment ago is left to its writer.
      const young = await buildPacks(
        {
          kind: 'versions',
          orgId: ORG_ID,
          object: 'Lead',
          schemaHash: null,
          writtenAt: '2024-06-30T23:59:30.000Z',
          cursor: null,
        },
        makeVersions(5, 1, { prefix: '00Q' }).map((v) => ({
          json: encodeVersionLine(v),
          systemModstamp: v.systemModstamp,
        })),
      );
      await g.blobs.putIfAbsent(packKey(ORG_ID, 'Lead', young[0]!.id), young[0]!.bytes);
      const skipped = await adoptOrphanPacks(g.store, ORG_ID, { graceMs: 60_000 });
      assert.equal(skipped.packsIndexed, 0);
    } finally {
      await g.close();
    }
  });
});
