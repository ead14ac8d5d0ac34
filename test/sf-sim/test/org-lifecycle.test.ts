import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createOrg } from '../src/org/create-org.js';
import { SimError, type SimOrg } from '../src/org/api.js';

const isSimError = (code: string) => (e: unknown) => e instanceof SimError && e.errorCode === code;

describe('record lifecycle: deletes, formulas, slow commits, replication', () => {
  let org: SimOrg;
  beforeEach(async () => {
    org = await createOrg({ seed: 'small', seedValue: 'life' });
    org.clock.set('2030-06-01T12:00:00Z');
  });
  afterEach(() => org.close());

  function leadIds(n: number): string[] {
    return org.query(`SELECT Id FROM Lead ORDER BY Id LIMIT ${n}`).records.map((r) => String(r.Id));
  }

  test('soft delete goes to the recycle bin: hidden from query, IsDeleted in queryAll; undelete brings it back', () => {
    const [id] = leadIds(1);
    const before = org.query(`SELECT Id, SystemModstamp FROM Lead WHERE Id = '${id}'`).records[0]!;
    org.clock.advance(5000);
    const res = org.mutate({ object: 'Lead', ops: [{ op: 'delete', ids: [id!] }] });
    assert.equal(org.query(`SELECT Id FROM Lead WHERE Id = '${id}'`).totalSize, 0);
    assert.equal(org.query(`SELECT Id FROM Lead WHERE Id = '${id}' AND IsDeleted = true`).totalSize, 0);
    const all = org.query(`SELECT Id, IsDeleted, SystemModstamp FROM Lead WHERE Id = '${id}'`, {
      scanAll: true,
    }).records[0]!;
    assert.equal(all.IsDeleted, true);
    assert.equal(all.SystemModstamp, res.systemModstamp);
    assert.ok(String(all.SystemModstamp) > String(before.SystemModstamp));
    org.clock.advance(5000);
    org.mutate({ object: 'Lead', ops: [{ op: 'undelete', ids: [id!] }] });
    const back = org.query(`SELECT Id, IsDeleted FROM Lead WHERE Id = '${id}'`).records[0]!;
    assert.equal(back.IsDeleted, false);
  });

  test('hard delete is gone from queryAll but listed by getDeleted until its window passes', () => {
    const [soft, hard] = leadIds(2);
    const start = '2030-06-01T11:59:00Z';
    org.clock.advance(60_000);
    org.mutate({
      object: 'Lead',
      ops: [
        { op: 'delete', ids: [soft!] },
        { op: 'delete', ids: [hard!], hard: true },
      ],
    });
    assert.equal(org.query(`SELECT Id FROM Lead WHERE Id = '${hard}'`, { scanAll: true }).totalSize, 0);
    assert.equal(org.query(`SELECT Id FROM Lead WHERE Id = '${soft}'`, { scanAll: true }).totalSize, 1);
    org.clock.advance(120_000);
    const deleted = org.getDeleted('Lead', start, '2030-06-01T12:10:00Z');
    assert.deepEqual(deleted.deletedRecords.map((d) => d.id).sort(), [soft!, hard!].sort());
    assert.equal(deleted.deletedRecords[0]!.deletedDate, '2030-06-01T12:01:00.000+0000');
    assert.equal(deleted.latestDateCovered, '2030-06-01T12:03:00.000+0000');
    assert.equal(deleted.earliestDateAvailable, '2030-05-17T12:03:00.000+0000');
    const truth = [...org.truth('Lead')].filter((v) => v.Id === hard);
    assert.equal(truth.at(-1)!.purged, true);
    assert.equal(truth.at(-1)!.IsDeleted, true);
    // 16 days later the recycle bin was emptied and the delete log no longer has them.
    org.clock.advance(16 * 86_400_000);
    assert.equal(org.query(`SELECT Id FROM Lead WHERE Id = '${soft}'`, { scanAll: true }).totalSize, 0);
    const later = org.getDeleted('Lead', '2030-06-10T00:00:00Z', '2030-06-17T13:00:00Z');
    assert.equal(later.deletedRecords.length, 0);
  });

  test('getUpdated: minute truncation, window rules and errors', () => {
    const [a, b] = leadIds(2);
    org.clock.advance(30_000);
    org.mutate({ object: 'Lead', ops: [{ op: 'update', ids: [a!, b!], set: { Title: 'Buyer' } }] });
    org.clock.advance(90_000);
    const res = org.getUpdated('Lead', '2030-06-01T12:00:59Z', '2030-06-01T12:05:00Z');
    assert.deepEqual(res.ids.sort(), [a!, b!].sort());
    assert.equal(res.latestDateCovered, '2030-06-01T12:02:00.000+0000');
    assert.throws(
      () => org.getUpdated('Lead', '2030-06-01T12:00:10Z', '2030-06-01T12:00:50Z'),
      (e: unknown) =>
        e instanceof SimError &&
        e.errorCode === 'INVALID_REPLICATION_DATE' &&
        e.message === 'startDate must be at least one minute greater than endDate',
    );
    assert.throws(
      () => org.getUpdated('Lead', '2030-04-01T00:00:00Z', '2030-06-01T00:00:00Z'),
      isSimError('INVALID_REPLICATION_DATE'),
    );
    assert.throws(
      () => org.getUpdated('AccountShare', '2030-06-01T11:00:00Z', '2030-06-01T12:00:00Z'),
      (e: unknown) =>
        e instanceof SimError &&
        e.errorCode === 'INVALID_TYPE' &&
        e.message === "sObject type 'AccountShare' is not replicable",
    );
    assert.throws(
      () => org.getUpdated('Nope__c', '2030-06-01T11:00:00Z', '2030-06-01T12:00:00Z'),
      (e: unknown) => e instanceof SimError && e.status === 404,
    );
  });

  test('formula fields change with time and related data without touching SystemModstamp', () => {
    const q =
      'SELECT Id, Days_Since_Created__c, SystemModstamp FROM Account WHERE Name != null ORDER BY Id LIMIT 1';
    const before = org.query(q).records[0]!;
    org.clock.advance(3 * 86_400_000);
    const after = org.query(q).records[0]!;
    assert.equal(after.Days_Since_Created__c, Number(before.Days_Since_Created__c) + 3);
    assert.equal(after.SystemModstamp, before.SystemModstamp);

    const contact = org.query(
      'SELECT Id, AccountId, Account_Name__c, SystemModstamp FROM Contact WHERE AccountId != null LIMIT 1',
    ).records[0]!;
    org.mutate({
      object: 'Account',
      ops: [{ op: 'update', ids: [String(contact.AccountId)], set: { Name: 'Renamed Parent Inc' } }],
    });
    const again = org.query(
      `SELECT Account_Name__c, SystemModstamp FROM Contact WHERE Id = '${String(contact.Id)}'`,
    ).records[0]!;
    assert.equal(again.Account_Name__c, 'Renamed Parent Inc');
    assert.equal(again.SystemModstamp, contact.SystemModstamp);
    const history = org.query(
      `SELECT Field, OldValue, NewValue, CreatedDate FROM AccountHistory WHERE AccountId = '${String(contact.AccountId)}' AND Field = 'Name' AND CreatedDate = 2030-06-04T12:00:00Z`,
    ).records;
    assert.equal(history.length, 1);
    assert.equal(history[0]!.NewValue, 'Renamed Parent Inc');
    assert.notEqual(history[0]!.OldValue, 'Renamed Parent Inc');
    assert.equal(history[0]!.CreatedDate, '2030-06-04T12:00:00.000+0000');
    const field = (org.describe('Contact').body.fields as Record<string, unknown>[]).find(
      (f) => f.name === 'Account_Name__c',
    )!;
    assert.equal(field.calculated, true);
    assert.equal(field.calculatedFormula, 'Account.Name');
  });

  test('commitDelayMs keeps changes invisible until SystemModstamp + delay; sameSecond ties every record', () => {
    const ids = leadIds(3);
    org.clock.advance(500);
    const res = org.mutate({
      object: 'Lead',
      ops: [{ op: 'update', ids, set: { Title: 'Late' } }],
      sameSecond: true,
      commitDelayMs: 20_000,
    });
    assert.equal(org.query("SELECT COUNT() FROM Lead WHERE Title = 'Late'").totalSize, 0);
    const getUpd = org.getUpdated('Lead', '2030-06-01T11:50:00Z', '2030-06-01T13:00:00Z');
    assert.equal(getUpd.latestDateCovered, '2030-06-01T12:00:00.000+0000');
    org.clock.advance(19_000);
    assert.equal(org.query("SELECT COUNT() FROM Lead WHERE Title = 'Late'").totalSize, 0);
    org.clock.advance(2_000);
    const rows = org.query("SELECT Id, SystemModstamp FROM Lead WHERE Title = 'Late'").records;
    assert.equal(rows.length, 3);
    assert.ok(rows.every((r) => r.SystemModstamp === res.systemModstamp));
    const created = org.mutate({
      object: 'Lead',
      ops: [
        { op: 'create', records: [{ LastName: 'Slow', Company: 'Slow Co', Status: 'Open - Not Contacted' }] },
      ],
      commitDelayMs: 5_000,
    });
    assert.equal(org.query(`SELECT COUNT() FROM Lead WHERE Id = '${created.created[0]}'`).totalSize, 0);
    const truth = [...org.truth('Lead')].filter((v) => v.Id === created.created[0]);
    assert.equal(truth.length, 1);
    assert.equal(
      new Date(truth[0]!.visibleAt.replace('+0000', 'Z')).getTime() -
        new Date(truth[0]!.SystemModstamp.replace('+0000', 'Z')).getTime(),
      5_000,
    );
    org.clock.advance(6_000);
    assert.equal(org.query(`SELECT COUNT() FROM Lead WHERE Id = '${created.created[0]}'`).totalSize, 1);
  });

  test('truth lists every committed version, oldest first, in the CONTRACTS shape', () => {
    const [id] = leadIds(1);
    org.mutate({ object: 'Lead', ops: [{ op: 'update', ids: [id!], set: { Title: 'One' } }] });
    org.clock.advance(2000);
    org.mutate({ object: 'Lead', ops: [{ op: 'update', ids: [id!], set: { Title: 'Two' } }] });
    const versions = [...org.truth('Lead')].filter((v) => v.Id === id);
    assert.ok(versions.length >= 3);
    const lastTwo = versions.slice(-2);
    assert.deepEqual(
      lastTwo.map((v) => v.fields.Title),
      ['One', 'Two'],
    );
    assert.deepEqual(Object.keys(lastTwo[0]!), [
      'Id',
      'SystemModstamp',
      'IsDeleted',
      'purged',
      'visibleAt',
      'fields',
    ]);
    assert.ok(lastTwo[0]!.SystemModstamp < lastTwo[1]!.SystemModstamp);
    assert.equal(lastTwo[1]!.fields.SystemModstamp, lastTwo[1]!.SystemModstamp);
  });

  test('admin mutate rejects unknown objects, fields and ops with a clear error', () => {
    assert.throws(() => org.mutate({ object: 'Nope', ops: [] }), /unknown object 'Nope'/);
    assert.throws(
      () => org.mutate({ object: 'Lead', ops: [{ op: 'update', ids: leadIds(1), set: { Bogus__c: 1 } }] }),
      /'Bogus__c' is not a stored field of Lead/,
    );
    assert.throws(
      () => org.mutate({ object: 'Lead', ops: [{ op: 'explode' } as never] }),
      /unknown op 'explode'/,
    );
  });
});
