import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { BlobStore } from '../../src/store/blob/blob-store.js';
import { fileBodyKey } from '../../src/store/files/file-bodies.js';
import {
  recordFileFailure,
  writeFileMappings,
  type FileMapping,
} from '../../src/store/files/file-mappings.js';
import { readWholePack } from '../../src/store/packs/pack-reader.js';
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
import { bucketObjectsMentioning } from '../support/bucket-mentions.js';
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

  test('a record a batch read last leaves no trace in the cursor: packs and the object keep its stamp only', async () => {
    const ids = [recordId('001', 5), recordId('001', 6), ERASED];
    const batch: VersionInput[] = ids.map((id) => ({
      id,
      systemModstamp: '2024-05-01T10:00:00.000Z',
      deleted: false,
      fields: { Id: id, Name: `Account ${id}` },
    }));
    const cursor = { systemModstamp: '2024-05-01T10:00:00.000Z', id: ERASED };
    await writeVersions(f.store, ORG_ID, 'Account', batch, { cursor });
    const objectKey = (await findObjectKey(f.db.knex, ORG_ID, 'Account'))!;
    target = { orgId: ORG_ID, object: 'Account', objectKey };
    assert.ok(holding(f.blobs, ERASED).length > 0);

    assert.equal((await erase()).outcome, 'erased');
    assert.deepEqual(holding(f.blobs, ERASED), [], 'no pack header names it');
    const row = await f.db.knex('objects').where({ object_key: objectKey }).first();
    assert.equal(
      row.cursor_system_modstamp.toISOString(),
      cursor.systemModstamp,
      'the cursor keeps its stamp',
    );
    assert.notEqual(row.cursor_id, ERASED);
    assert.ok(row.cursor_id < recordId('001', 5), 'and starts before every record at that stamp');
    const pack = await f.db.knex('packs').where({ object_key: objectKey }).first();
    assert.equal(pack.cursor_id, row.cursor_id, 'the rewritten pack carries the same cursor');
    // A rebuild from the bucket restores that cursor, not the record.
    const fresh = await createTestDatabase();
    try {
      await fresh.knex('orgs').insert({ org_id: ORG_ID });
      await rebuildIndex({ knex: fresh.knex, blobs: f.blobs, now: () => now }, ORG_ID);
      const rebuilt = await fresh.knex('objects').where({ org_id: ORG_ID, name: 'Account' }).first();
      assert.equal(rebuilt.cursor_id, row.cursor_id);
      assert.equal(rebuilt.cursor_system_modstamp.toISOString(), cursor.systemModstamp);
    } finally {
      await fresh.destroy();
    }
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

describe('erasing a file record from the backup', () => {
  const ERASED_FILE = recordId('00P', 1);
  const KEPT_FILE = recordId('00P', 2);
  const THIRD_FILE = recordId('00P', 0);
  const body = (name: string) => Buffer.from(`the body of ${name}\n`.repeat(200));
  const ALONE = body('the erased record alone');
  const SHARED = body('both records');
  const KEPT = body('the kept record');
  const THIRD = body('a third record');
  const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

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

  /**
   * Three Attachments, three versions each; file mappings in several packs: the erased record's first body next to
   * another's, its second body shared with that other record, a retried write (a pack holding a copy no row points
   * at), a writer that died after its upload (an orphan files pack), and a body that failed.
   */
  async function backUpFiles(): Promise<void> {
    const versions = makeVersions(3, 3, { prefix: '00P' });
    await writeVersions(f.store, ORG_ID, 'Attachment', versions);
    const stampOf = (id: string, v: number) => versions.filter((x) => x.id === id)[v]!.systemModstamp;
    const map = (id: string, v: number, bytes: Buffer): FileMapping => ({
      recordId: id,
      systemModstamp: stampOf(id, v),
      sha256: sha(bytes),
      size: bytes.length,
    });
    for (const bytes of [ALONE, SHARED, KEPT, THIRD])
      await f.blobs.putIfAbsent(fileBodyKey(ORG_ID, sha(bytes)), bytes);
    const batches = [
      [map(ERASED_FILE, 0, ALONE), map(KEPT_FILE, 0, KEPT)],
      [map(ERASED_FILE, 1, SHARED), map(KEPT_FILE, 1, SHARED)],
      [map(ERASED_FILE, 0, ALONE), map(THIRD_FILE, 0, THIRD)],
    ];
    for (const batch of batches) {
      await writeFileMappings(f.store, ORG_ID, 'Attachment', batch);
      now = new Date(now.getTime() + 60_000);
    }
    const dying: BlobStore = Object.create(f.blobs) as BlobStore;
    dying.putIfAbsent = async (...args) => {
      await f.blobs.putIfAbsent(...args);
      throw new Error('killed after upload');
    };
    await assert.rejects(
      writeFileMappings({ ...f.store, blobs: dying }, ORG_ID, 'Attachment', [
        map(ERASED_FILE, 1, SHARED),
        map(KEPT_FILE, 0, KEPT),
      ]),
      /killed after upload/,
    );
    await recordFileFailure(f.db.knex, ORG_ID, 'Attachment', ERASED_FILE, stampOf(ERASED_FILE, 2), 'gone', {
      at: now,
    });
    const objectKey = (await findObjectKey(f.db.knex, ORG_ID, 'Attachment'))!;
    target = { orgId: ORG_ID, object: 'Attachment', objectKey };
  }

  /** Bucket keys whose object names `needle` in clear. */
  const mentioning = (blobs: BlobStore, needle: string) => bucketObjectsMentioning(blobs, 'orgs/', needle);

  async function erase(store: StoreContext = f.store) {
    const lease = 'test-lease';
    assert.ok(await claimObjectRun(store.knex, target.objectKey, lease));
    try {
      return await eraseRecord(store, target, ERASED_FILE, { reason: 'GDPR request 43', by: 'dpo', lease });
    } finally {
      await releaseObjectRun(store.knex, target.objectKey, lease);
    }
  }

  /** What the erasure must leave: the index as it was without the record, consistent counters, the right bodies. */
  async function assertErased(before: Awaited<ReturnType<typeof snapshot>>): Promise<void> {
    assert.deepEqual(await mentioning(f.blobs, ERASED_FILE), [], 'no bucket object names the record');
    const after = await snapshot(f.db);
    assert.deepEqual(
      after.files,
      before.files.filter((r: { record_id: string }) => r.record_id !== ERASED_FILE),
      'every other file mapping is still indexed',
    );
    assert.equal(await f.blobs.stat(fileBodyKey(ORG_ID, sha(ALONE))), null, 'its own body is deleted');
    for (const bytes of [SHARED, KEPT, THIRD])
      assert.ok(await f.blobs.stat(fileBodyKey(ORG_ID, sha(bytes))), 'bodies other records name stay');

    // Each remaining mapping's row points at a pack in the bucket that holds its line.
    const rows = await f.db
      .knex('files as f')
      .join('packs as p', 'p.pack_key', 'f.pack_key')
      .where({ 'f.org_id': ORG_ID })
      .select<Array<{ record_id: string; sha256: string; bucket_key: string; pack_id: string }>>(
        'f.record_id',
        'f.sha256',
        'p.bucket_key',
        'p.pack_id',
      );
    assert.equal(rows.length, after.files.length, 'no row points at a pack the index lost');
    for (const row of rows) {
      const lines = (await readWholePack(f.blobs, row.bucket_key, row.pack_id)).blocks
        .flat()
        .map((l) => JSON.parse(l.toString('utf8')) as { id: string; sha256: string });
      assert.ok(lines.some((l) => l.id === row.record_id && l.sha256 === row.sha256));
    }

    const account = await countersMatchIndex(f.db.knex, ORG_ID, 'Attachment');
    assert.deepEqual(account.stored, account.counted);
    const object = after.objects.find((o: { name: string }) => o.name === 'Attachment');
    const stored = after.files.filter((r: { state: string }) => r.state === 'stored');
    assert.equal(Number(object.files), stored.length);
    assert.equal(
      Number(object.file_bytes),
      stored.reduce((n: number, r: { size: string }) => n + Number(r.size), 0),
    );
    const packBytes = await f.db
      .knex('packs')
      .where({ object_key: target.objectKey })
      .sum<{ sum: string }>('bytes')
      .first();
    assert.equal(Number(object.bytes), Number(packBytes!.sum), 'object bytes = its packs');
    const dayFiles = after.daily.reduce((n: number, d: { files: string }) => n + Number(d.files), 0);
    assert.equal(dayFiles, stored.length, 'per-day files add up');
  }

  test('its files packs are rewritten without it: no bucket object names it, a rebuild gives the same mappings', async () => {
    await backUpFiles();
    const before = await snapshot(f.db);
    assert.ok((await mentioning(f.blobs, ERASED_FILE)).length >= 5, 'versions, files packs and the orphan');

    const dry = await eraseRecord(f.store, target, ERASED_FILE, { dryRun: true });
    assert.equal(dry.packsRewritten, 4, 'its versions pack and three indexed files packs');
    assert.deepEqual(await snapshot(f.db), before, 'a dry run changes nothing');

    const result = await erase();
    assert.equal(result.outcome, 'erased');
    assert.equal(result.versions, 3);
    assert.equal(result.fileMappings, 3, 'two stored mappings and a failed one');
    assert.equal(result.packsRewritten, 5, 'the versions pack, three files packs and the adopted orphan');
    assert.equal(result.packsDeleted, 5, 'each old pack is gone at once');
    await assertErased(before);
    const live = await snapshot(f.db);

    // A rebuild from the bucket alone restores the same index, mappings included, without the record.
    const fresh = await createTestDatabase();
    try {
      await fresh.knex('orgs').insert({ org_id: ORG_ID });
      const rebuilt: StoreContext = { knex: fresh.knex, blobs: f.blobs, now: () => now };
      await rebuildIndex(rebuilt, ORG_ID);
      const snap = await snapshot(fresh);
      assert.deepEqual(
        snap.files,
        live.files.filter((r: { state: string }) => r.state === 'stored'),
      );
      assert.deepEqual(snap, { ...live, files: snap.files }, 'a rebuild equals the live index');
    } finally {
      await fresh.destroy();
    }

    // Running it again changes nothing.
    const keys = [...f.blobs.objects.keys()].sort();
    const again = await erase();
    assert.equal(again.outcome, 'already-erased');
    assert.deepEqual(await snapshot(f.db), live);
    assert.deepEqual([...f.blobs.objects.keys()].sort(), keys);
  });

  for (const [when, failing] of [
    ['before its bodies are deleted', (_key: string) => true],
    [
      'after its bodies are deleted, before the old packs are swept',
      (key: string) => key.includes('/packs/'),
    ],
  ] as const)
    test(`an erasure cut short ${when} is finished by running it again`, async () => {
      await backUpFiles();
      const before = await snapshot(f.db);
      const dying: BlobStore = Object.create(f.blobs) as BlobStore;
      dying.delete = async (key) => {
        if (failing(key)) throw new Error('killed mid-erasure');
        return f.blobs.delete(key);
      };
      await assert.rejects(erase({ ...f.store, blobs: dying }), /killed mid-erasure/);
      assert.equal((await f.db.knex('erasures').first()).state, 'pending');
      assert.equal(
        await f.db.knex('files').where({ record_id: ERASED_FILE }).first(),
        undefined,
        'the rewrites committed',
      );
      assert.ok((await mentioning(f.blobs, ERASED_FILE)).length > 0, 'the old packs wait for the sweep');

      const resumed = await erase();
      assert.equal(resumed.outcome, 'erased');
      assert.equal(resumed.versions, 3, 'counted once across both runs');
      assert.equal(resumed.packsRewritten, 5);
      await assertErased(before);
    });
});
