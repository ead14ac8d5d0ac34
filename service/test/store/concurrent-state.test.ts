/**
 * State that several replicas write at once: the error list keeps one open error per failure however many
 * writers record it together, and the points in time an object has reached only move forward.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as openErrorOnce from '../../src/store/db/migrations/0004_open_error_once.js';
import { createKnex, type Knex } from '../../src/store/db/knex.js';
import { insertOrg } from '../../src/store/orgs/org-repository.js';
import { dismissError, recordError } from '../../src/store/registry/error-log.js';
import {
  claimObjectRun,
  getRegistryObject,
  LeaseLostError,
  markCaughtUp,
  releaseObjectRun,
  renewObjectRun,
  setDeletesCheckedUntil,
} from '../../src/store/registry/object-registry.js';
import { writeVersions } from '../../src/store/versions/version-writer.js';
import { MemoryBlobStore } from './support/memory-blob-store.js';
import { ensureObjectKey } from '../../src/store/versions/objects-repository.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

const ORG = '00D000000000001AAA';
let db: TestDatabase;
let replicas: Knex[];
let objectKey: number;

before(async () => {
  db = await createTestDatabase();
  await insertOrg(db.knex, {
    orgId: ORG,
    instanceUrl: 'https://acme.example.com',
    loginUrl: 'https://login.salesforce.com',
    auth: { kind: 'client-credentials', clientId: 'x', clientSecret: { kind: 'env', name: 'UNUSED' } },
    enabled: true,
  });
  objectKey = await ensureObjectKey(db.knex, ORG, 'Account');
  // Two connection pools, as two replicas would have.
  replicas = [createKnex(db.url, { poolMax: 5 }), createKnex(db.url, { poolMax: 5 })];
});

after(async () => {
  await Promise.all(replicas?.map((k) => k.destroy()) ?? []);
  await db?.destroy();
});

const openErrors = (code: string) =>
  db.knex('errors').where({ org_id: ORG, code }).whereNull('closed_at').whereNull('dismissed_at');

describe('state written by several replicas at once', () => {
  test('the same failure recorded 20 times at once by two replicas is one open error', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        recordError(replicas[i % 2]!, {
          orgId: ORG,
          code: 'SERVER_UNAVAILABLE',
          message: `try ${i}`,
          object: 'Account',
          at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
        }),
      ),
    );
    const open = await openErrors('SERVER_UNAVAILABLE');
    assert.equal(open.length, 1);
    // Another record of the same object, or the object-level one, stays apart.
    await recordError(db.knex, {
      orgId: ORG,
      code: 'SERVER_UNAVAILABLE',
      message: 'x',
      object: 'Account',
      recordId: '001000000000001AAA',
      at: new Date(),
    });
    assert.equal((await openErrors('SERVER_UNAVAILABLE')).length, 2);
  });

  test('a dismissed error that happens again opens anew', async () => {
    const [open] = await openErrors('INVALID_FIELD');
    assert.equal(open, undefined);
    await recordError(db.knex, {
      orgId: ORG,
      code: 'INVALID_FIELD',
      message: 'first',
      object: 'Account',
      at: new Date(),
    });
    const [first] = await openErrors('INVALID_FIELD');
    assert.ok(await dismissError(db.knex, ORG, String(first.error_id), new Date()));
    await recordError(db.knex, {
      orgId: ORG,
      code: 'INVALID_FIELD',
      message: 'again',
      object: 'Account',
      at: new Date(),
    });
    const now = await openErrors('INVALID_FIELD');
    assert.equal(now.length, 1);
    assert.notEqual(now[0].error_id, first.error_id);
    assert.equal(now[0].message, 'again');
  });

  test('open duplicates from before the unique index are closed by the migration, the newest kept', async () => {
    await openErrorOnce.down(db.knex);
    for (const message of ['old', 'older', 'newest'])
      await db
        .knex('errors')
        .insert({ org_id: ORG, code: 'DUPLICATED', message, object: 'Contact', at: new Date() });
    await openErrorOnce.up(db.knex);
    const open = await openErrors('DUPLICATED');
    assert.deepEqual(
      open.map((r: { message: string }) => r.message),
      ['newest'],
    );
  });

  test('caught-up and deletes-checked times only move forward, whoever writes last', async () => {
    const later = new Date('2026-06-02T00:00:00Z');
    const earlier = new Date('2026-06-01T00:00:00Z');
    await Promise.all([
      markCaughtUp(replicas[0]!, objectKey, later),
      setDeletesCheckedUntil(replicas[0]!, objectKey, later),
    ]);
    await Promise.all([
      markCaughtUp(replicas[1]!, objectKey, earlier),
      setDeletesCheckedUntil(replicas[1]!, objectKey, earlier),
    ]);
    const object = await getRegistryObject(db.knex, ORG, 'Account');
    assert.equal(object?.caughtUpAt?.toISOString(), later.toISOString());
    assert.equal(object?.deletesCheckedUntil?.toISOString(), later.toISOString());
  });

  test('a run whose lease was taken over writes nothing more: versions, cursor and progress are fenced', async () => {
    const blobs = new MemoryBlobStore();
    const key = await ensureObjectKey(db.knex, ORG, 'Contact');
    const [a, b] = replicas as [Knex, Knex];
    assert.equal(await claimObjectRun(a, key, 'replica-a'), true);
    assert.equal(await claimObjectRun(b, key, 'replica-b'), false, 'a live lease is not taken');
    // Replica A stalls past the lease's life (database time): B takes over.
    await db
      .knex('objects')
      .where({ object_key: key })
      .update({ running_since: db.knex.raw("now() - interval '10 minutes'") });
    assert.equal(await claimObjectRun(b, key, 'replica-b'), true);
    assert.equal(await renewObjectRun(a, key, 'replica-a'), false, 'A learns at its next renewal');

    const version = {
      id: '003000000000001AAA',
      systemModstamp: '2026-01-01T00:00:00.000Z',
      deleted: false,
      fields: { Id: '003000000000001AAA', LastName: 'Late' },
    };
    const late = { systemModstamp: '2026-01-01T00:00:00.000Z', id: '003000000000001AAA' };
    await assert.rejects(
      writeVersions({ knex: a, blobs }, ORG, 'Contact', [version], { cursor: late, lease: 'replica-a' }),
      LeaseLostError,
    );
    await assert.rejects(markCaughtUp(a, key, new Date(Date.UTC(2026, 0, 2)), 'replica-a'), LeaseLostError);
    const after = await getRegistryObject(db.knex, ORG, 'Contact');
    assert.equal(after?.versions, 0, 'no version indexed by the late run');
    assert.equal(after?.cursor, null, 'its cursor did not move');
    assert.equal(after?.caughtUpAt, null);

    const written = await writeVersions({ knex: b, blobs }, ORG, 'Contact', [version], {
      cursor: late,
      lease: 'replica-b',
    });
    assert.equal(written.written, 1, 'the holder writes');
    await releaseObjectRun(b, key, 'replica-b');
  });
});
