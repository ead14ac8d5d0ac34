import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createOrg } from '../src/org/create-org.js';
import type { JsonRecord, SimOrg } from '../src/org/api.js';

/**
 * Records as queries render them while the schema changes under them: rows made before and after a custom
 * field is added or removed, parents and formulas read per record, in SELECT order whatever the row holds.
 */
describe('query records across schema changes', () => {
  let org: SimOrg;
  before(async () => {
    org = await createOrg({ seed: 'none', seedValue: 'record-shapes' });
  });
  after(() => org.close());

  const byName = (records: JsonRecord[]) =>
    Object.fromEntries(records.map((r) => [String(r.Name), r])) as Record<string, JsonRecord>;

  test('a field added after some rows were written reads null on those and its value on new ones', () => {
    org.create('Account', { Name: 'Before' });
    org.addSchema({ object: 'Account', fields: [{ name: 'Tier__c', type: 'string' }] });
    org.create('Account', { Name: 'After', Tier__c: 'Gold' });
    const records = org.query('SELECT Id, Tier__c, Name, CreatedDate FROM Account').records;
    for (const r of records)
      assert.deepEqual(Object.keys(r), ['attributes', 'Id', 'Tier__c', 'Name', 'CreatedDate']);
    const rows = byName(records);
    assert.equal(rows.Before!.Tier__c, null);
    assert.equal(rows.After!.Tier__c, 'Gold');
    assert.match(String(rows.After!.CreatedDate), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000$/);
  });

  test('after a field is removed, new rows are written and read without it', () => {
    org.changeField({ object: 'Account', field: 'Tier__c', remove: true });
    const later = org.create('Account', { Name: 'Later', Site: 'Lisbon' });
    org.update('Account', later.id, { Site: 'Porto' });
    const rows = byName(org.query('SELECT Name, Site FROM Account').records);
    assert.deepEqual(Object.keys(rows.Later!), ['attributes', 'Name', 'Site']);
    assert.equal(rows.Later!.Site, 'Porto');
    assert.equal(rows.Before!.Site, null);
  });

  test('parent fields and formulas are read for each record, nested in SELECT order', () => {
    const account = org.create('Account', { Name: 'Parent Co', Phone: '555-0100' });
    org.create('Contact', { LastName: 'Child', AccountId: account.id });
    org.create('Contact', { LastName: 'Orphan' });
    const q = 'SELECT LastName, Account.Phone, Account.Name, Account_Name__c FROM Contact';
    const rows = Object.fromEntries(org.query(q).records.map((r) => [String(r.LastName), r]));
    assert.deepEqual(Object.keys(rows.Child!), ['attributes', 'LastName', 'Account', 'Account_Name__c']);
    const parent = rows.Child!.Account as Record<string, unknown>;
    assert.deepEqual(Object.keys(parent), ['attributes', 'Phone', 'Name']);
    assert.deepEqual(parent.attributes, {
      type: 'Account',
      url: `/services/data/v62.0/sobjects/Account/${account.id}`,
    });
    assert.equal(rows.Child!.Account_Name__c, 'Parent Co');
    assert.equal(rows.Orphan!.Account, null);
    assert.equal(rows.Orphan!.Account_Name__c, null);
    org.update('Account', account.id, { Name: 'Renamed Co' });
    const again = org.query(`${q} WHERE LastName = 'Child'`).records[0]!;
    assert.equal(again.Account_Name__c, 'Renamed Co');
    assert.equal((again.Account as Record<string, unknown>).Name, 'Renamed Co');
  });
});
