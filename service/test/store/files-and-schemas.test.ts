import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { recordFileFailure, writeFileMappings } from '../../src/store/files/file-mappings.js';
import {
  readSchemaSnapshot,
  saveSchemaSnapshot,
  stableStringify,
} from '../../src/store/schemas/schema-snapshots.js';
import { writeVersions } from '../../src/store/versions/version-writer.js';
import { recordHistory } from '../../src/store/versions/version-reader.js';
import {
  createStoreFixture,
  makeVersions,
  ORG_ID,
  recordId,
  type StoreFixture,
} from './support/store-fixture.js';

describe('file mappings and describe snapshots', () => {
  let f: StoreFixture;
  before(async () => {
    f = await createStoreFixture({ now: () => new Date('2024-06-01T12:00:00.000Z') });
  });
  after(async () => {
    await f.close();
  });

  test('a file mapping is stored once; a failure is recorded and a later success replaces it', async () => {
    const mapping = {
      recordId: recordId('068', 1),
      systemModstamp: '2024-01-05T00:00:00.000Z',
      sha256: 'c'.repeat(64),
      size: 2048,
    };
    await recordFileFailure(
      f.db.knex,
      ORG_ID,
      'ContentVersion',
      mapping.recordId,
      mapping.systemModstamp,
      'download failed: 503',
    );
    let row = await f.db.knex('files').where({ org_id: ORG_ID, record_id: mapping.recordId }).first();
    assert.equal(row.state, 'failed');
    assert.equal(row.error, 'download failed: 503');

    assert.equal((await writeFileMappings(f.store, ORG_ID, 'ContentVersion', [mapping])).stored, 1);
    assert.equal((await writeFileMappings(f.store, ORG_ID, 'ContentVersion', [mapping])).stored, 0);
    row = await f.db.knex('files').where({ org_id: ORG_ID, record_id: mapping.recordId }).first();
    assert.equal(row.state, 'stored');
    assert.equal(row.error, null);
    assert.equal(row.sha256, 'c'.repeat(64));
    const counters = await f.db
      .knex('objects')
      .where({ org_id: ORG_ID, name: 'ContentVersion' })
      .first('files', 'file_bytes');
    assert.deepEqual(counters, { files: 1, file_bytes: 2048 });
    const day = await f.db.knex('daily_stats').where({ org_id: ORG_ID }).first('files');
    assert.equal(day.files, 1);

    // A failure after success does not undo it.
    await recordFileFailure(
      f.db.knex,
      ORG_ID,
      'ContentVersion',
      mapping.recordId,
      mapping.systemModstamp,
      'late error',
    );
    row = await f.db.knex('files').where({ org_id: ORG_ID, record_id: mapping.recordId }).first();
    assert.equal(row.state, 'stored');
    await assert.rejects(
      writeFileMappings(f.store, ORG_ID, 'ContentVersion', [{ ...mapping, sha256: 'nope' }]),
      /sha256 must be 64 lowercase hex/,
    );
  });

  test('the same describe in any key order is one snapshot, read back intact', async () => {
    const describe = {
      name: 'Account',
      fields: [
        { name: 'Id', type: 'id', calculatedFormula: null },
        { name: 'Score__c', type: 'double', calculatedFormula: 'A + B' },
      ],
    };
    const reordered = {
      fields: describe.fields.map((x) => ({
        type: x.type,
        calculatedFormula: x.calculatedFormula,
        name: x.name,
      })),
      name: 'Account',
    };
    const first = await saveSchemaSnapshot(f.store, ORG_ID, 'Account', describe);
    const second = await saveSchemaSnapshot(f.store, ORG_ID, 'Account', reordered);
    assert.equal(first.hash, second.hash);
    assert.equal(first.created, true);
    assert.equal(second.created, false);
    assert.equal([...f.blobs.objects.keys()].filter((k) => k.includes('/schemas/')).length, 1);
    assert.deepEqual(await readSchemaSnapshot(f.store, ORG_ID, 'Account', first.hash), describe);
    const rows = await f.db.knex('schemas').where({ org_id: ORG_ID }).select('object', 'field_count');
    assert.deepEqual(rows, [{ object: 'Account', field_count: 2 }]);
    assert.equal(
      (await f.db.knex('objects').where({ org_id: ORG_ID, name: 'Account' }).first('describe_hash'))
        .describe_hash,
      first.hash,
    );
    assert.equal(stableStringify({ b: 1, a: [{ d: 2, c: null }] }), '{"a":[{"c":null,"d":2}],"b":1}');
  });

  test('reading one version of a record history costs one ranged read of the bucket', async () => {
    await writeVersions(f.store, ORG_ID, 'Account', makeVersions(3000, 1, { padding: 200 }));
    f.blobs.reads.length = 0;
    const history = await recordHistory(f.store, ORG_ID, 'Account', recordId('001', 1234));
    assert.equal(history.length, 1);
    assert.equal(history[0]!.fields.Name, 'Record 1234 v0');
    assert.equal(f.blobs.reads.length, 1);
    assert.ok(f.blobs.reads[0]!.range);
  });
});
