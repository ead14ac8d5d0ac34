import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createOrg } from '../src/org/create-org.js';
import { SimError, type SimOrg } from '../src/org/api.js';

/** The answer of `read`, or the error code it fails with (e.g. getUpdated on a non-replicable object). */
function attempt(read: () => unknown): unknown {
  try {
    return read();
  } catch (e) {
    if (e instanceof SimError) return e.errorCode;
    throw e;
  }
}

/** Everything a client or the ground truth could see of some objects. */
function observe(org: SimOrg, objects: string[]): string {
  const start = new Date(org.clock.nowMs() - 10 * 60_000).toISOString();
  const end = new Date(org.clock.nowMs() + 10 * 60_000).toISOString();
  const seen: Record<string, unknown> = {};
  for (const object of objects) {
    seen[object] = {
      truth: [...org.truth(object)],
      query: attempt(() => org.query(`SELECT FIELDS(STANDARD) FROM ${object} ORDER BY Id`).records),
      queryAll: attempt(
        () => org.query(`SELECT Id, IsDeleted FROM ${object} ORDER BY Id`, { scanAll: true }).records,
      ),
      updated: attempt(() => org.getUpdated(object, start, end).ids),
      deleted: attempt(() => org.getDeleted(object, start, end).deletedRecords),
      count: org.recordCount(object),
    };
  }
  return JSON.stringify(seen);
}

const TOUCHED = [
  'Account',
  'AccountHistory',
  'Contact',
  'ContentVersion',
  'ContentDocument',
  'ContentDocumentLink',
];

function isLockError(e: unknown): boolean {
  return e instanceof SimError && e.errorCode === 'UNABLE_TO_LOCK_ROW';
}

describe('org transactions (all-or-none writes)', () => {
  let org: SimOrg;
  let accountId: string;
  let contactId: string;
  before(async () => {
    org = await createOrg({ seed: 'small', seedValue: 'tx', records: 50 });
    accountId = org.query('SELECT Id FROM Account ORDER BY Id LIMIT 1').records[0]!.Id as string;
    contactId = org.query('SELECT Id FROM Contact ORDER BY Id LIMIT 1').records[0]!.Id as string;
  });
  after(() => org.close());

  test('a rolled-back transaction leaves no trace: records, truth, history, files, delete log, Ids', async () => {
    const before = observe(org, TOUCHED);
    let createdId = '';
    const result = await org.transaction((tx) => {
      createdId = org.create('Account', { Name: 'Rolled back Ltd' }).id;
      org.update('Account', accountId, { Name: 'Renamed inside', Industry: 'Banking' });
      org.update('Account', createdId, { Rating: 'Hot' });
      org.delete('Contact', contactId);
      org.create('ContentVersion', {
        Title: 'rolled back file',
        PathOnClient: 'gone.txt',
        VersionData: Buffer.from('never committed').toString('base64'),
      });
      // Inside, the transaction sees its own writes.
      assert.equal(org.retrieve('Account', accountId, ['Name']).Name, 'Renamed inside');
      assert.equal(org.query(`SELECT Id FROM Contact WHERE Id = '${contactId}'`).totalSize, 0);
      tx.rollback();
      return 'done';
    });
    assert.equal(result, 'done');
    assert.equal(observe(org, TOUCHED), before);
    // Id numbering is back too: the next record gets the Id the rolled-back one had.
    const next = org.create('Account', { Name: 'After the rollback' }).id;
    assert.equal(next, createdId);
    org.delete('Account', next);
  });

  test('a committed transaction makes all its writes visible at once', async () => {
    const ids = await org.transaction(() => {
      const a = org.create('Account', { Name: 'Committed A' }).id;
      const c = org.create('Contact', { LastName: 'Committed', AccountId: a }).id;
      org.update('Account', a, { Industry: 'Energy' });
      return { a, c };
    });
    const acct = org.retrieve('Account', ids.a, ['Name', 'Industry']);
    assert.equal(acct.Name, 'Committed A');
    assert.equal(acct.Industry, 'Energy');
    assert.equal(org.retrieve('Contact', ids.c, ['AccountId']).AccountId, ids.a);
    assert.equal([...org.truth('Account')].filter((v) => v.Id === ids.a).length, 2);

    // A file uploaded in a transaction brings its ContentDocument and link along.
    const cv = await org.transaction(
      () =>
        org.create('ContentVersion', {
          Title: 'kept file',
          PathOnClient: 'kept.txt',
          VersionData: Buffer.from('committed bytes').toString('base64'),
        }).id,
    );
    const version = org.retrieve('ContentVersion', cv, ['ContentDocumentId', 'ContentSize', 'SharingOption']);
    assert.equal(version.ContentSize, 'committed bytes'.length);
    assert.equal(version.SharingOption, 'A');
    const docId = version.ContentDocumentId as string;
    assert.equal(org.retrieve('ContentDocument', docId, ['Title']).Title, 'kept file');
    assert.equal(
      org.query(`SELECT Id FROM ContentDocumentLink WHERE ContentDocumentId = '${docId}'`).totalSize,
      1,
    );
  });

  test('a throwing function rolls back and the error reaches the caller', async () => {
    const before = observe(org, ['Account']);
    await assert.rejects(
      org.transaction(() => {
        org.create('Account', { Name: 'Half done' });
        org.update('Account', accountId, { NoSuchField__c: 1 });
      }),
      (e: unknown) => e instanceof SimError && e.errorCode === 'INVALID_FIELD',
    );
    assert.equal(observe(org, ['Account']), before);
  });

  test('a nested transaction is a savepoint: its rollback keeps the outer writes', async () => {
    const { outer, inner } = await org.transaction(async () => {
      const outer = org.create('Account', { Name: 'Outer keeps' }).id;
      const inner = await org.transaction((tx) => {
        const id = org.create('Account', { Name: 'Inner goes' }).id;
        tx.rollback();
        return id;
      });
      return { outer, inner };
    });
    assert.equal(org.retrieve('Account', outer, ['Name']).Name, 'Outer keeps');
    assert.equal(org.query(`SELECT Id FROM Account WHERE Id = '${inner}'`, { scanAll: true }).totalSize, 0);
    assert.equal([...org.truth('Account')].filter((v) => v.Id === inner).length, 0);
  });

  test('Bench__c changes roll back to the generated row', async () => {
    const row = org.query('SELECT Id, Text_1__c, SystemModstamp FROM Bench__c ORDER BY Id LIMIT 1')
      .records[0]!;
    const before = observe(org, ['Bench__c']);
    await org.transaction((tx) => {
      org.update('Bench__c', row.Id as string, { Text_1__c: 'changed' });
      org.create('Bench__c', { Name: 'new bench row' });
      org.delete(
        'Bench__c',
        org.query('SELECT Id FROM Bench__c ORDER BY Id DESC LIMIT 1').records[0]!.Id as string,
      );
      tx.rollback();
    });
    assert.equal(observe(org, ['Bench__c']), before);
    assert.deepEqual(
      org.query(`SELECT Id, Text_1__c, SystemModstamp FROM Bench__c WHERE Id = '${String(row.Id)}'`)
        .records[0],
      row,
    );
  });

  test('while a transaction is open, writes from outside it fail with UNABLE_TO_LOCK_ROW and churn waits', async () => {
    org.setChurn(600);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const open = org.transaction(async () => {
      org.create('Account', { Name: 'Holding the lock' });
      await gate;
    });
    // Let the transaction start (it queues behind earlier ones on a microtask).
    await new Promise((r) => setImmediate(r));
    assert.throws(() => org.create('Account', { Name: 'Outsider' }), isLockError);
    assert.throws(() => org.update('Account', accountId, { Name: 'Outsider' }), isLockError);
    org.clock.advance(60_000);
    assert.equal(org.tickChurn(), 0, 'no churn while the transaction is open');
    release();
    await open;
    assert.ok(org.tickChurn() >= 600, 'the churn due meanwhile comes after the commit');
    org.setChurn(0);
    assert.equal(org.query("SELECT Id FROM Account WHERE Name = 'Outsider'").totalSize, 0);
    assert.equal(org.query("SELECT Id FROM Account WHERE Name = 'Holding the lock'").totalSize, 1);
    // Once it is over, outside writes work again.
    org.delete('Account', org.create('Account', { Name: 'Outsider' }).id);
  });
});

describe('org transactions and the persisted journal', () => {
  test('a restarted org has the committed transaction and no trace of the rolled-back one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sf-sim-tx-'));
    try {
      const first = await createOrg({ seed: 'small', seedValue: 'tx-state', stateDir: dir });
      const acct = first.query('SELECT Id, Name FROM Account ORDER BY Id LIMIT 1').records[0]!;
      const committed = await first.transaction(() => {
        const id = first.create('Account', { Name: 'Survives restart' }).id;
        first.update('Account', acct.Id as string, { Name: 'Renamed and kept' });
        return id;
      });
      const beforeRollback = observe(first, TOUCHED);
      let doomed = '';
      await first.transaction((tx) => {
        doomed = first.create('Account', { Name: 'Never persisted' }).id;
        first.update('Account', committed, { Name: 'Not this name' });
        tx.rollback();
      });
      await first.close();

      const journal = readFileSync(path.join(dir, 'journal.ndjson'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { k: string; ops?: unknown[] });
      assert.deepEqual(
        journal.map((op) => [op.k, op.ops?.length]),
        [['tx', 2]],
      );
      assert.doesNotMatch(JSON.stringify(journal), /Never persisted|Not this name/);

      const second = await createOrg({ seed: 'small', seedValue: 'tx-state', stateDir: dir });
      try {
        assert.equal(observe(second, TOUCHED), beforeRollback);
        assert.equal(second.retrieve('Account', committed, ['Name']).Name, 'Survives restart');
        assert.equal(second.retrieve('Account', acct.Id as string, ['Name']).Name, 'Renamed and kept');
        assert.equal(second.create('Account', { Name: 'Next after restart' }).id, doomed);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
