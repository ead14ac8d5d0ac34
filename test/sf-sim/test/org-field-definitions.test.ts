import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createOrg } from '../src/org/create-org.js';
import { SimError, type JsonRecord, type SimOrg } from '../src/org/api.js';

/**
 * FieldDefinition through the query resource (Object Reference, "FieldDefinition",
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_fielddefinition.htm)
 * lists an object's fields whatever the reader's field-level security, needs a filter on a reified column, and
 * needs "View Setup and Configuration"; admin field changes move describe's Last-Modified.
 */

const LIST = `SELECT QualifiedApiName, Label, DataType, EntityDefinition.QualifiedApiName FROM FieldDefinition`;

function names(records: JsonRecord[]): string[] {
  return records.map((r) => String(r.QualifiedApiName)).sort();
}

function describedFields(org: SimOrg, object: string): Map<string, Record<string, unknown>> {
  const body = org.describe(object).body as { fields: Record<string, unknown>[] };
  return new Map(body.fields.map((f) => [String(f.name), f]));
}

function rejects(fn: () => unknown, errorCode: string, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SimError, String(err));
    assert.equal(err.errorCode, errorCode);
    assert.match(err.message, message);
    return true;
  });
}

describe('FieldDefinition queries', () => {
  let org: SimOrg;
  before(async () => {
    org = await createOrg({ seed: 'none', seedValue: 'field-definitions' });
  });
  after(() => org.close());

  test('without a filter on the object it is refused as Salesforce refuses it', () => {
    rejects(
      () => org.query(LIST),
      'MALFORMED_QUERY',
      /^FieldDefinition: a filter on a reified column is required \[EntityDefinitionId,DurableId\]$/,
    );
    rejects(
      () => org.query(`${LIST} WHERE QualifiedApiName = 'Name'`),
      'MALFORMED_QUERY',
      /a filter on a reified column is required/,
    );
  });

  test('lists every field of the objects asked for, with the Setup data type and the object', () => {
    const page = org.query(`${LIST} WHERE EntityDefinition.QualifiedApiName IN ('Account', 'Contact')`);
    assert.equal(page.done, true);
    const account = page.records.filter(
      (r) => (r.EntityDefinition as { QualifiedApiName: string }).QualifiedApiName === 'Account',
    );
    assert.deepEqual(names(account), [...describedFields(org, 'Account').keys()].sort());
    const name = account.find((r) => r.QualifiedApiName === 'Name')!;
    assert.equal(name.Label, 'Account Name');
    assert.equal(name.DataType, 'Text(255)');
    assert.equal(account.find((r) => r.QualifiedApiName === 'ParentId')!.DataType, 'Lookup(Account)');
    assert.equal(
      account.find((r) => r.QualifiedApiName === 'Days_Since_Created__c')!.DataType,
      'Formula (Number)',
    );
    assert.ok(page.records.some((r) => r.QualifiedApiName === 'Account_Name__c'));
  });

  test('lists fields the integration user cannot read, and objects it cannot read', () => {
    org.setPermissions({ object: 'Account', fields: { Industry: false } });
    org.setPermissions({ object: 'Contact', readable: false });
    try {
      assert.equal(describedFields(org, 'Account').has('Industry'), false);
      const page = org.query(
        `SELECT QualifiedApiName FROM FieldDefinition WHERE EntityDefinition.QualifiedApiName = 'Account' AND QualifiedApiName = 'Industry'`,
      );
      assert.deepEqual(names(page.records), ['Industry']);
      const contact = org.query(
        `SELECT QualifiedApiName FROM FieldDefinition WHERE EntityDefinitionId = 'Contact'`,
      );
      assert.ok(names(contact.records).includes('Email'));
    } finally {
      org.setPermissions({ object: 'Account', fields: { Industry: true } });
      org.setPermissions({ object: 'Contact', readable: true });
    }
  });

  test('the operations FieldDefinition lacks answer as Salesforce documents them', () => {
    // Tooling API, "SOQL Operation Limitations":
    // https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/reference_objects_soql_limits.htm
    const account = `${LIST} WHERE EntityDefinition.QualifiedApiName = 'Account'`;
    rejects(
      () => org.query(`${account} OR EntityDefinition.QualifiedApiName = 'Contact'`),
      'MALFORMED_QUERY',
      /Disjunctions not supported/,
    );
    rejects(
      () => org.query(`${account} AND QualifiedApiName != 'Name'`),
      'MALFORMED_QUERY',
      /Only equals comparisons permitted/,
    );
    rejects(
      () =>
        org.query(`SELECT COUNT() FROM FieldDefinition WHERE EntityDefinition.QualifiedApiName = 'Account'`),
      'MALFORMED_QUERY',
      /not yet supported by this SObject storage type/,
    );
    // LIMIT is ignored: every field comes back.
    const all = org.query(account).records.length;
    assert.ok(all > 2);
    assert.equal(org.query(`${account} LIMIT 2`).records.length, all);
  });

  test('an unknown column is INVALID_FIELD; an unknown object lists nothing', () => {
    rejects(
      () => org.query(`SELECT Nope FROM FieldDefinition WHERE EntityDefinition.QualifiedApiName = 'Account'`),
      'INVALID_FIELD',
      /No such column 'Nope' on entity 'FieldDefinition'/,
    );
    const none = org.query(`${LIST} WHERE EntityDefinition.QualifiedApiName = 'Nothing__c'`);
    assert.equal(none.totalSize, 0);
  });

  test('without "View Setup and Configuration" the type is not there for the user', () => {
    org.setUserPermissions({ viewSetup: false });
    try {
      rejects(
        () => org.query(`${LIST} WHERE EntityDefinition.QualifiedApiName = 'Account'`),
        'INVALID_TYPE',
        /sObject type 'FieldDefinition' is not supported/,
      );
    } finally {
      org.setUserPermissions({ viewSetup: true });
    }
    assert.ok(org.query(`${LIST} WHERE EntityDefinition.QualifiedApiName = 'Account'`).totalSize > 0);
  });
});

describe('admin field changes', () => {
  let org: SimOrg;
  before(async () => {
    org = await createOrg({ seed: 'small', seedValue: 'field-changes' });
    org.addSchema({
      object: 'Account',
      fields: [
        { name: 'Tier__c', type: 'picklist', picklistValues: ['Gold', 'Silver'] },
        { name: 'Old_Code__c', type: 'string', length: 20 },
      ],
    });
  });
  after(() => org.close());

  test('each change moves the describe Last-Modified and shows in describe', () => {
    const steps: [() => void, (fields: Map<string, Record<string, unknown>>) => void][] = [
      [
        () =>
          org.changeField({
            object: 'Account',
            field: 'Tier__c',
            picklistValues: ['Gold', 'Silver', 'Bronze'],
          }),
        (f) =>
          assert.deepEqual(
            (f.get('Tier__c')!.picklistValues as { value: string }[]).map((p) => p.value),
            ['Gold', 'Silver', 'Bronze'],
          ),
      ],
      [
        () => org.changeField({ object: 'Account', field: 'Old_Code__c', label: 'Legacy Code', length: 40 }),
        (f) => {
          assert.equal(f.get('Old_Code__c')!.label, 'Legacy Code');
          assert.equal(f.get('Old_Code__c')!.length, 40);
        },
      ],
      [
        () => org.changeField({ object: 'Contact', field: 'Account_Name__c', formula: 'Account.Phone' }),
        () => {
          const contact = describedFields(org, 'Contact').get('Account_Name__c')!;
          assert.equal(contact.calculatedFormula, 'Account.Phone');
        },
      ],
      [
        () => org.changeField({ object: 'Account', field: 'Old_Code__c', remove: true }),
        (f) => assert.equal(f.has('Old_Code__c'), false),
      ],
    ];
    for (const [change, check] of steps) {
      const before = Math.max(
        org.describe('Account').lastModified.getTime(),
        org.describe('Contact').lastModified.getTime(),
      );
      org.clock.advance(5_000);
      change();
      const afterMs = Math.max(
        org.describe('Account').lastModified.getTime(),
        org.describe('Contact').lastModified.getTime(),
      );
      assert.ok(afterMs > before, 'Last-Modified moved');
      check(describedFields(org, 'Account'));
    }
    // Removed: gone from FieldDefinition and from queries.
    const defs = org.query(
      `SELECT QualifiedApiName FROM FieldDefinition WHERE EntityDefinition.QualifiedApiName = 'Account'`,
    );
    assert.equal(names(defs.records).includes('Old_Code__c'), false);
    rejects(
      () => org.query('SELECT Old_Code__c FROM Account'),
      'INVALID_FIELD',
      /No such column 'Old_Code__c'/,
    );
  });

  test('a changed formula computes the new value', () => {
    const row = org.query(
      'SELECT Account_Name__c, Account.Phone FROM Contact WHERE AccountId != null AND Account.Phone != null LIMIT 1',
    ).records[0];
    assert.ok(row, 'the small seed has a contact whose account has a number');
    assert.equal(row.Account_Name__c, (row.Account as { Phone: string }).Phone);
    org.changeField({ object: 'Contact', field: 'Account_Name__c', formula: 'Account.Name' });
    const back = org.query(
      'SELECT Account_Name__c, Account.Name FROM Contact WHERE AccountId != null LIMIT 1',
    ).records[0]!;
    assert.equal(back.Account_Name__c, (back.Account as { Name: string }).Name);
  });

  test('changes Setup would refuse are refused', () => {
    rejects(
      () => org.changeField({ object: 'Account', field: 'Name', remove: true }),
      'INVALID_INPUT',
      /standard field and cannot be deleted/,
    );
    rejects(
      () =>
        org.changeField({ object: 'Contact', field: 'Account_Name__c', formula: 'Account.AnnualRevenue' }),
      'INVALID_INPUT',
      /Formula result is data type \(Number\), incompatible with expected data type \(Text\)/,
    );
    rejects(
      () =>
        org.changeField({ object: 'Contact', field: 'Account_Name__c', formula: 'LEFT(Account.Name, 3)' }),
      'INVALID_INPUT',
      /the simulator evaluates formulas that are a field/,
    );
    rejects(
      () => org.changeField({ object: 'Account', field: 'Name', picklistValues: ['A'] }),
      'INVALID_INPUT',
      /not a picklist/,
    );
  });
});

describe('field changes and the View Setup permission survive a restart', () => {
  test('a state dir replays them', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sim-field-changes-'));
    try {
      const first = await createOrg({ seed: 'none', seedValue: 'field-replay', stateDir: dir });
      first.addSchema({ object: 'Account', fields: [{ name: 'Gone__c', type: 'string' }] });
      first.changeField({ object: 'Account', field: 'Gone__c', remove: true });
      first.changeField({ object: 'Account', field: 'Site', label: 'Location' });
      first.changeField({ object: 'Contact', field: 'Account_Name__c', formula: 'Account.Phone' });
      first.setUserPermissions({ viewSetup: false });
      await first.close();
      const second = await createOrg({ seed: 'none', seedValue: 'field-replay', stateDir: dir });
      try {
        const account = describedFields(second, 'Account');
        assert.equal(account.has('Gone__c'), false);
        assert.equal(account.get('Site')!.label, 'Location');
        assert.equal(
          describedFields(second, 'Contact').get('Account_Name__c')!.calculatedFormula,
          'Account.Phone',
        );
        rejects(
          () => second.query(`${LIST} WHERE EntityDefinition.QualifiedApiName = 'Account'`),
          'INVALID_TYPE',
          /FieldDefinition/,
        );
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
