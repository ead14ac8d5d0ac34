import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CursorConflictError, writeVersions } from '../../src/store/versions/version-writer.js';
import { exportVersions, objectVersions, recordHistory } from '../../src/store/versions/version-reader.js';
import { tombstone } from '../../src/store/versions/version-entry.js';
import {
  createStoreFixture,
  makeVersions,
  ORG_ID,
  recordId,
  type StoreFixture,
} from './support/store-fixture.js';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function objectRow(f: StoreFixture, name: string) {
  return f.db.knex('objects').where({ org_id: ORG_ID, name }).first();
}

describe('writing versions', () => {
  let f: StoreFixture;
  before(async () => {
    f = await createStoreFixture({ now: () => new Date('2024-06-01T12:00:00.000Z') });
  });
  after(async () => {
    await f.close();
  });

  test('stores versions in packs and indexes them with counters, coverage and the cursor', async () => {
    const versions = makeVersions(50, 2); // 50 records, 2 versions each
    const last = versions.at(-1)!;
    const result = await writeVersions(f.store, ORG_ID, 'Account', versions, {
      cursor: { systemModstamp: last.systemModstamp, id: last.id },
    });
    assert.equal(result.written, 100);
    assert.equal(result.newRecords, 50);
    assert.equal(result.duplicates, 0);
    assert.equal(result.packs.length, 1);
    assert.ok(f.blobs.objects.has(`orgs/${ORG_ID}/packs/Account/${result.packs[0]}.gz`));

    const row = await objectRow(f, 'Account');
    assert.equal(row.records, 50);
    assert.equal(row.versions, 100);
    assert.equal(
      row.bytes,
      f.blobs.objects.get(`orgs/${ORG_ID}/packs/Account/${result.packs[0]}.gz`)!.length,
    );
    assert.equal(row.oldest_version_at.toISOString(), versions[0]!.systemModstamp);
    assert.equal(row.newest_version_at.toISOString(), last.systemModstamp);
    assert.equal(row.cursor_system_modstamp.toISOString(), last.systemModstamp);
    assert.equal(row.cursor_id, last.id);
    const stats = await f.db.knex('daily_stats').where({ org_id: ORG_ID }).select('day', 'versions');
    assert.equal(stats.length, 1);
    assert.equal(stats[0].versions, 100);
  });

  test('re-reading the same versions stores nothing twice and counts nothing twice', async () => {
    const objectsBefore = f.blobs.objects.size;
    const again = await writeVersions(f.store, ORG_ID, 'Account', makeVersions(50, 2));
    assert.deepEqual(again, { written: 0, duplicates: 100, newRecords: 0, packs: [] });
    assert.equal(f.blobs.objects.size, objectsBefore, 'no new pack in the bucket');

    // Overlapping batch: 100 old versions plus one new version of every record.
    const overlap = makeVersions(50, 3);
    const result = await writeVersions(f.store, ORG_ID, 'Account', [...overlap].reverse());
    assert.equal(result.written, 50);
    assert.equal(result.duplicates, 100);
    assert.equal(result.newRecords, 0);
    const row = await objectRow(f, 'Account');
    assert.equal(row.records, 50);
    assert.equal(row.versions, 150);
    const stats = await f.db.knex('daily_stats').where({ org_id: ORG_ID }).first('versions');
    assert.equal(stats.versions, 150);
  });

  test('a batch mixing new records and new versions of known ones counts only the new records', async () => {
    await writeVersions(f.store, ORG_ID, 'Campaign', makeVersions(30, 1));
    // Records 0–59, a day later: 0–29 are known (new versions), 30–59 are new; 45 is there twice.
    const later = makeVersions(60, 1, { start: Date.UTC(2024, 0, 2) });
    const twice = { ...later[45]!, systemModstamp: new Date(Date.UTC(2024, 0, 3)).toISOString() };
    const result = await writeVersions(f.store, ORG_ID, 'Campaign', [...later, twice]);
    assert.equal(result.written, 61);
    assert.equal(result.newRecords, 30);
    const row = await objectRow(f, 'Campaign');
    assert.equal(row.records, 60);
    assert.equal(row.versions, 91);
  });

  test('new content at a SystemModstamp already stored is kept as its next revision, once', async () => {
    const id = recordId('500', 9001);
    const at = '2024-05-02T10:00:00.000Z';
    const save = (fields: Record<string, unknown>) =>
      writeVersions(f.store, ORG_ID, 'Case', [
        { id, systemModstamp: at, deleted: false, fields: { Id: id, ...fields } },
      ]);
    assert.equal((await save({ Status: 'New' })).written, 1);
    assert.equal((await save({ Status: 'New' })).written, 0, 'a plain re-read is a duplicate');
    // A second save in the same second, or a field that became readable: same SystemModstamp, other content.
    assert.equal((await save({ Status: 'New', Phone: '555-0100' })).written, 1);
    assert.equal((await save({ Status: 'Closed', Phone: '555-0100' })).written, 1);
    for (const again of [
      { Status: 'New' },
      { Status: 'New', Phone: '555-0100' },
      { Status: 'Closed', Phone: '555-0100' },
    ])
      assert.equal((await save(again)).written, 0, `${JSON.stringify(again)} is stored already`);

    const history = await recordHistory(f.store, ORG_ID, 'Case', id);
    assert.deepEqual(
      history.map((v) => [v.systemModstamp, v.fields.Status, v.fields.Phone ?? null]),
      [
        ['2024-05-02T10:00:00.002Z', 'Closed', '555-0100'],
        ['2024-05-02T10:00:00.001Z', 'New', '555-0100'],
        [at, 'New', null],
      ],
      'newest first; revisions in the milliseconds the org leaves at zero',
    );
    const row = await objectRow(f, 'Case');
    assert.equal(row.versions, 3);
    assert.equal(row.records, 1, 'a revision is not a new record');
  });

  test('a record history comes back newest first, exactly as written', async () => {
    const id = recordId('001', 7);
    const history = await recordHistory(f.store, ORG_ID, 'Account', id);
    const expected = makeVersions(50, 3)
      .filter((v) => v.id === id)
      .reverse();
    assert.deepEqual(
      history,
      expected.map((v) => ({ systemModstamp: v.systemModstamp, deleted: v.deleted, fields: v.fields })),
    );
    assert.deepEqual(await recordHistory(f.store, ORG_ID, 'Account', recordId('001', 999)), []);
    assert.deepEqual(await recordHistory(f.store, ORG_ID, 'Nothing__c', id), []);
  });

  test('an object streams in (SystemModstamp, Id) order, or as its state at a time', async () => {
    const all = await collect(objectVersions(f.store, ORG_ID, 'Account', { pageSize: 7 }));
    assert.equal(all.length, 150);
    const sorted = makeVersions(50, 3);
    assert.deepEqual(
      all.map((v) => `${v.systemModstamp} ${v.id}`),
      sorted.map((v) => `${v.systemModstamp} ${v.id}`),
    );

    // As of the end of the first round of changes: every record at version 0.
    const asOf = makeVersions(50, 1).at(-1)!.systemModstamp;
    const state = await collect(objectVersions(f.store, ORG_ID, 'Account', { asOf }));
    assert.equal(state.length, 50);
    assert.ok(state.every((v) => String(v.fields.Name).endsWith(' v0')));
  });

  test('hard deletes are tombstones: in the history, in the export, and gone from the later state', async () => {
    const id = recordId('001', 3);
    const deletedAt = '2024-02-01T00:00:00.000Z';
    const result = await writeVersions(f.store, ORG_ID, 'Account', [tombstone(id, deletedAt)]);
    assert.equal(result.written, 1);
    const [newest] = await recordHistory(f.store, ORG_ID, 'Account', id);
    assert.deepEqual(newest, { systemModstamp: deletedAt, deleted: true, fields: {} });
    const lines = await collect(exportVersions(f.store, ORG_ID, 'Account'));
    assert.equal(
      lines.at(-1),
      `{"object":"Account","id":"${id}","systemModstamp":"${deletedAt}","deleted":true,"fields":{}}\n`,
    );
    const state = await collect(
      objectVersions(f.store, ORG_ID, 'Account', { asOf: '2024-03-01T00:00:00.000Z' }),
    );
    assert.equal(state.length, 49);
    assert.ok(!state.some((v) => v.id === id));
    const row = await objectRow(f, 'Account');
    assert.equal(row.deleted_versions, 1);
  });

  test('the cursor only moves forward, and a compare-and-set with a stale cursor changes nothing', async () => {
    const before = await objectRow(f, 'Account');
    await writeVersions(f.store, ORG_ID, 'Account', [], {
      cursor: { systemModstamp: '2023-01-01T00:00:00.000Z', id: recordId('001', 1) },
    });
    const unchanged = await objectRow(f, 'Account');
    assert.equal(unchanged.cursor_system_modstamp.toISOString(), before.cursor_system_modstamp.toISOString());

    const stale = { systemModstamp: '2023-01-01T00:00:00.000Z', id: recordId('001', 1) };
    await assert.rejects(
      writeVersions(
        f.store,
        ORG_ID,
        'Account',
        makeVersions(1, 1, { prefix: '001', start: Date.UTC(2025, 0, 1) }),
        { expectedCursor: stale },
      ),
      CursorConflictError,
    );
    const after = await objectRow(f, 'Account');
    assert.equal(after.versions, before.versions, 'nothing indexed');
  });

  test('two writers racing on the same versions index each exactly once', async () => {
    const versions = makeVersions(400, 1, { prefix: '00Q' });
    const results = await Promise.all([
      writeVersions(f.store, ORG_ID, 'Lead', versions.slice(0, 300)),
      writeVersions(f.store, ORG_ID, 'Lead', versions.slice(100)),
    ]);
    assert.equal(results[0].written + results[1].written, 400);
    const row = await objectRow(f, 'Lead');
    assert.equal(row.versions, 400);
    assert.equal(row.records, 400);
    const lines = await collect(exportVersions(f.store, ORG_ID, 'Lead'));
    assert.equal(lines.length, 400);
    assert.equal(new Set(lines).size, 400);
  });

  test(
    'a batch that fails while its index rows stream in leaves nothing behind, and the next batch writes',
    {
      timeout: 60_000,
    },
    async () => {
      const store = { ...f.store, packOptions: { blockRawBytes: 4 * 1024, maxPackBytes: 16 * 1024 } };
      const versions = makeVersions(3000, 1, { prefix: '003' });
      // A value no JSON can hold, deep in the batch: earlier blocks are already copied into the index.
      versions[2500] = {
        ...versions[2500]!,
        fields: { ...versions[2500]!.fields, Amount: 10n as unknown as number },
      };
      await assert.rejects(writeVersions(store, ORG_ID, 'Contact', versions), /BigInt/);
      assert.equal(
        Number((await f.db.knex('versions').where({ record_id: versions[0]!.id }).count({ n: '*' }))[0]!.n),
        0,
      );
      const before = await objectRow(f, 'Contact');
      assert.equal(Number(before?.versions ?? 0), 0, 'nothing of the failed batch is indexed or counted');

      const good = makeVersions(3000, 1, { prefix: '003' });
      const result = await writeVersions(store, ORG_ID, 'Contact', good);
      assert.equal(result.written, 3000);
      assert.ok(result.packs.length > 1, 'several packs, one COPY each');
      const lines = await collect(exportVersions(f.store, ORG_ID, 'Contact'));
      assert.equal(lines.length, 3000);
      assert.equal((await objectRow(f, 'Contact')).records, 3000);
    },
  );

  test('bad input is rejected with a clear message', async () => {
    await assert.rejects(
      writeVersions(f.store, ORG_ID, 'Account', [
        { id: 'short', systemModstamp: '2024-01-01T00:00:00.000Z', deleted: false, fields: {} },
      ]),
      /18-character record id/,
    );
    await assert.rejects(
      writeVersions(f.store, ORG_ID, 'Account', [
        { id: recordId('001', 1), systemModstamp: '2024-01-01T00:00:00+0000', deleted: false, fields: {} },
      ]),
      /not canonical UTC/,
    );
    await assert.rejects(
      writeVersions(f.store, '00D000000000009AAA', 'Account', makeVersions(1)),
      /org 00D000000000009AAA is not registered/,
    );
    await assert.rejects(writeVersions(f.store, ORG_ID, 'Bad Name', makeVersions(1)), /not an sObject name/);
  });
});
