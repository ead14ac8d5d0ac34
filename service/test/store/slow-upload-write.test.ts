/**
 * A slow bucket does not hold a database transaction open: packs upload before the one short transaction that
 * indexes them, so a managed PostgreSQL's `idle_in_transaction_session_timeout` does not kill the write, lease
 * renewals and other writers are not blocked behind the object's row lock meanwhile, and a lease lost or a cursor
 * moved while the upload ran still rejects the write without touching the index.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Readable } from 'node:stream';
import { createKnex, type Knex } from '../../src/store/db/knex.js';
import type { PutOptions, PutResult } from '../../src/store/blob/blob-store.js';
import {
  claimObjectRun,
  getRegistryObject,
  LeaseLostError,
  renewObjectRun,
} from '../../src/store/registry/object-registry.js';
import { ensureObjectKey } from '../../src/store/versions/objects-repository.js';
import {
  advanceCursor,
  CursorConflictError,
  writeVersions,
} from '../../src/store/versions/version-writer.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';
import { MemoryBlobStore } from './support/memory-blob-store.js';
import { makeVersions, ORG_ID } from './support/store-fixture.js';

/** A bucket whose uploads wait: a fixed delay, or until the test lets them through. */
class SlowBlobStore extends MemoryBlobStore {
  delayMs = 0;
  private gate: Promise<void> | null = null;
  private open: (() => void) | null = null;
  private started: (() => void) | null = null;
  /** Resolves once an upload is waiting at the gate. */
  uploadStarted: Promise<void> = Promise.resolve();

  /** Uploads from now on wait until release(). */
  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
    this.uploadStarted = new Promise((resolve) => (this.started = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = null;
  }

  override async putIfAbsent(key: string, body: Buffer | Readable, options?: PutOptions): Promise<PutResult> {
    if (this.gate) {
      this.started?.();
      await this.gate;
    }
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return super.putIfAbsent(key, body, options);
  }
}

const LOCK_TIMEOUT = "SET LOCAL lock_timeout = '2s'";

describe('a write whose upload is slow', () => {
  let db: TestDatabase;
  /** A pool whose sessions are ended by the server after 500 ms idle inside a transaction. */
  let strict: Knex;

  before(async () => {
    db = await createTestDatabase();
    await db.knex('orgs').insert({ org_id: ORG_ID, instance_url: 'https://example.my.salesforce.com' });
    // The setting on this pool's sessions only (libpq `options`), as a managed PostgreSQL would set it.
    const url = new URL(db.url);
    url.searchParams.set('options', '-c idle_in_transaction_session_timeout=500ms');
    strict = createKnex(url.toString(), { poolMax: 4 });
  });
  after(async () => {
    await strict?.destroy();
    await db?.destroy();
  });

  const objectRow = (object: string) => getRegistryObject(db.knex, ORG_ID, object);

  test('succeeds on a database that ends sessions idle in a transaction for 500 ms, with a 3 s upload', async () => {
    const setting = await strict.raw<{ rows: Array<{ idle_in_transaction_session_timeout: string }> }>(
      'SHOW idle_in_transaction_session_timeout',
    );
    assert.equal(setting.rows[0]!.idle_in_transaction_session_timeout, '500ms');
    const blobs = new SlowBlobStore();
    blobs.delayMs = 3000;
    const versions = makeVersions(500, 1);
    const last = versions.at(-1)!;
    const result = await writeVersions({ knex: strict, blobs }, ORG_ID, 'Account', versions, {
      cursor: { systemModstamp: last.systemModstamp, id: last.id },
    });
    assert.equal(result.written, 500);
    const row = await objectRow('Account');
    assert.equal(row?.versions, 500);
    assert.deepEqual(row?.cursor, { systemModstamp: last.systemModstamp, id: last.id });
  });

  test("while an upload hangs, the object's row is not locked: a lease renewal and another lock get through", async () => {
    const blobs = new SlowBlobStore();
    const key = await ensureObjectKey(db.knex, ORG_ID, 'Contact');
    assert.equal(await claimObjectRun(db.knex, key, 'replica-a'), true);
    blobs.hold();
    const writing = writeVersions(
      { knex: db.knex, blobs },
      ORG_ID,
      'Contact',
      makeVersions(200, 1, { prefix: '003' }),
      {
        lease: 'replica-a',
      },
    );
    writing.catch(() => {});
    await blobs.uploadStarted;
    try {
      await db.knex.transaction(async (trx) => {
        await trx.raw('SELECT object_key FROM objects WHERE object_key = ? FOR UPDATE NOWAIT', [key]);
      });
      await db.knex.transaction(async (trx) => {
        await trx.raw(LOCK_TIMEOUT);
        assert.equal(await renewObjectRun(trx, key, 'replica-a'), true, 'the lease is renewed meanwhile');
      });
    } finally {
      blobs.release();
    }
    assert.equal((await writing).written, 200);
    assert.equal((await objectRow('Contact'))?.versions, 200);
  });

  test('a lease taken over while the upload ran rejects the write and leaves the index as it was', async () => {
    const blobs = new SlowBlobStore();
    const key = await ensureObjectKey(db.knex, ORG_ID, 'Lead');
    assert.equal(await claimObjectRun(db.knex, key, 'replica-a'), true);
    blobs.hold();
    const versions = makeVersions(100, 1, { prefix: '00Q' });
    const last = versions.at(-1)!;
    const writing = writeVersions({ knex: db.knex, blobs }, ORG_ID, 'Lead', versions, {
      cursor: { systemModstamp: last.systemModstamp, id: last.id },
      lease: 'replica-a',
    });
    writing.catch(() => {});
    await blobs.uploadStarted;
    try {
      await db.knex.transaction(async (trx) => {
        await trx.raw(LOCK_TIMEOUT);
        await trx('objects')
          .where({ object_key: key })
          .update({ running_since: trx.raw("now() - interval '10 minutes'") });
        assert.equal(await claimObjectRun(trx, key, 'replica-b'), true, 'B takes the stale lease over');
      });
    } finally {
      blobs.release();
    }
    await assert.rejects(writing, LeaseLostError);
    const row = await objectRow('Lead');
    assert.equal(row?.versions, 0, 'no version indexed');
    assert.equal(row?.cursor, null, 'the cursor did not move');
    assert.equal(Number((await db.knex('versions').where({ object_key: key }).count({ n: '*' }))[0]!.n), 0);
    assert.equal(Number((await db.knex('packs').where({ object_key: key }).count({ n: '*' }))[0]!.n), 0);
  });

  test('a cursor moved while the upload ran rejects a compare-and-set write and leaves the index as it was', async () => {
    const blobs = new SlowBlobStore();
    const key = await ensureObjectKey(db.knex, ORG_ID, 'Case');
    blobs.hold();
    const versions = makeVersions(100, 1, { prefix: '500' });
    const last = versions.at(-1)!;
    const writing = writeVersions({ knex: db.knex, blobs }, ORG_ID, 'Case', versions, {
      cursor: { systemModstamp: last.systemModstamp, id: last.id },
      expectedCursor: null,
    });
    writing.catch(() => {});
    await blobs.uploadStarted;
    const elsewhere = { systemModstamp: '2023-06-01T00:00:00.000Z', id: '500000000000999AAA' };
    try {
      await db.knex.transaction(async (trx) => {
        await trx.raw(LOCK_TIMEOUT);
        await advanceCursor(trx, key, elsewhere);
      });
    } finally {
      blobs.release();
    }
    await assert.rejects(writing, CursorConflictError);
    const row = await objectRow('Case');
    assert.equal(row?.versions, 0, 'no version indexed');
    assert.deepEqual(row?.cursor, elsewhere, 'the cursor is where the other writer put it');
    assert.equal(Number((await db.knex('versions').where({ object_key: key }).count({ n: '*' }))[0]!.n), 0);
  });
});
