import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { canonicalizeRecord, fieldTypesFromDescribe } from '../../src/store/packs/canonical-record.js';

const FIELD_TYPES = {
  Id: 'id',
  OwnerId: 'reference',
  Name: 'string',
  Description: 'textarea',
  IsActive__c: 'boolean',
  NumberOfEmployees: 'int',
  Score__c: 'double',
  AnnualRevenue: 'currency',
  Probability: 'percent',
  Big__c: 'long',
  CloseDate: 'date',
  SystemModstamp: 'datetime',
  LastViewedDate: 'datetime',
  Alarm__c: 'time',
  StageName: 'picklist',
  Colors__c: 'multipicklist',
  Phone: 'phone',
  Website: 'url',
  Email__c: 'email',
  Combo__c: 'combobox',
  Secret__c: 'encryptedstring',
  NewValue: 'anyType',
  Body: 'base64',
  BillingAddress: 'address',
  Where__c: 'location',
  BillingCity: 'string',
  Fax: 'phone',
};

// The same record as REST query JSON returns it …
const REST_RECORD = {
  attributes: { type: 'Account', url: '/services/data/v62.0/sobjects/Account/001000000000001AAA' },
  Id: '001000000000001AAA',
  OwnerId: '005000000000001AAA',
  Owner: { attributes: { type: 'User' }, Name: 'Jo' },
  Name: 'Acme "Rockets", Inc.',
  Description: 'line one\nline two',
  IsActive__c: true,
  NumberOfEmployees: 250,
  Score__c: 0.1,
  AnnualRevenue: 1500.0,
  Probability: 75,
  Big__c: 9007199254740991,
  CloseDate: '2024-03-31',
  SystemModstamp: '2024-01-02T03:04:05.000+0000',
  LastViewedDate: null,
  Alarm__c: '10:30:00.000Z',
  StageName: 'Prospecting',
  Colors__c: 'Red;Blue',
  Phone: '(555) 010-0000',
  Website: 'https://example.com',
  Email__c: 'jo@example.com',
  Combo__c: 'Other',
  Secret__c: '****1234',
  NewValue: 42,
  Body: '/services/data/v62.0/sobjects/Account/001000000000001AAA/Body',
  BillingAddress: { city: 'Paris', country: 'FR' },
  Where__c: { latitude: 1, longitude: 2 },
  BillingCity: 'Paris',
  Fax: '',
};

// … and as Bulk API 2.0 CSV gives it (every value a string, "" for null, relationship columns dotted).
const BULK_CSV =
  '"Id","OwnerId","Owner.Name","Name","Description","IsActive__c","NumberOfEmployees","Score__c","AnnualRevenue","Probability","Big__c","CloseDate","SystemModstamp","LastViewedDate","Alarm__c","StageName","Colors__c","Phone","Website","Email__c","Combo__c","Secret__c","NewValue","BillingCity","Fax"\n' +
  '"001000000000001AAA","005000000000001AAA","Jo","Acme ""Rockets"", Inc.","line one\nline two","true","250","0.1","1500.0","75.0","9007199254740991","2024-03-31","2024-01-02T03:04:05.000Z","","10:30:00.000Z","Prospecting","Red;Blue","(555) 010-0000","https://example.com","jo@example.com","Other","****1234","42","Paris",""\n';

describe('canonicalizeRecord', () => {
  const bulkRow = (parse(BULK_CSV, { columns: true }) as Array<Record<string, string>>)[0]!;

  test('REST JSON and Bulk CSV of the same record serialise to identical bytes', () => {
    const fromRest = JSON.stringify(canonicalizeRecord(REST_RECORD, FIELD_TYPES, 'rest'));
    const fromBulk = JSON.stringify(canonicalizeRecord(bulkRow, FIELD_TYPES, 'bulk'));
    assert.equal(fromRest, fromBulk);
  });

  test('types every field by the describe, in stable key order, leaving out base64 and compound fields', () => {
    const canonical = canonicalizeRecord(bulkRow, FIELD_TYPES, 'bulk');
    assert.deepEqual(Object.entries(canonical), [
      ['Alarm__c', '10:30:00.000Z'],
      ['AnnualRevenue', 1500],
      ['Big__c', 9007199254740991],
      ['BillingCity', 'Paris'],
      ['CloseDate', '2024-03-31'],
      ['Colors__c', 'Red;Blue'],
      ['Combo__c', 'Other'],
      ['Description', 'line one\nline two'],
      ['Email__c', 'jo@example.com'],
      ['Fax', null],
      ['Id', '001000000000001AAA'],
      ['IsActive__c', true],
      ['LastViewedDate', null],
      ['Name', 'Acme "Rockets", Inc.'],
      ['NewValue', '42'],
      ['NumberOfEmployees', 250],
      ['OwnerId', '005000000000001AAA'],
      ['Phone', '(555) 010-0000'],
      ['Probability', 75],
      ['Score__c', 0.1],
      ['Secret__c', '****1234'],
      ['StageName', 'Prospecting'],
      ['SystemModstamp', '2024-01-02T03:04:05.000Z'],
      ['Website', 'https://example.com'],
    ]);
  });

  test('datetimes in any offset or precision become UTC with milliseconds and Z', () => {
    const types = { SystemModstamp: 'datetime' };
    const cases: Array<[string, string]> = [
      ['2024-01-02T03:04:05.000+0000', '2024-01-02T03:04:05.000Z'],
      ['2024-01-02T03:04:05Z', '2024-01-02T03:04:05.000Z'],
      ['2024-01-02T05:04:05.5+02:00', '2024-01-02T03:04:05.500Z'],
      ['2024-01-01T23:30:00.000-0100', '2024-01-02T00:30:00.000Z'],
    ];
    for (const [input, expected] of cases) {
      assert.equal(
        canonicalizeRecord({ SystemModstamp: input }, types, 'rest').SystemModstamp,
        expected,
        input,
      );
    }
  });

  test('booleans false and numbers zero stay values, not null', () => {
    const types = { IsActive__c: 'boolean', Amount: 'currency' };
    assert.deepEqual(canonicalizeRecord({ IsActive__c: 'false', Amount: '0.0' }, types, 'bulk'), {
      Amount: 0,
      IsActive__c: false,
    });
    assert.deepEqual(canonicalizeRecord({ IsActive__c: false, Amount: -0 }, types, 'rest'), {
      Amount: 0,
      IsActive__c: false,
    });
  });

  test('bad values are rejected with the field name', () => {
    assert.throws(
      () => canonicalizeRecord({ Amount: 'lots' }, { Amount: 'currency' }, 'bulk'),
      /field Amount: not a number/,
    );
    assert.throws(
      () => canonicalizeRecord({ Flag: 'yes' }, { Flag: 'boolean' }, 'bulk'),
      /field Flag: not a boolean/,
    );
    assert.throws(
      () => canonicalizeRecord({ When: 'yesterday' }, { When: 'datetime' }, 'rest'),
      /field When: not an ISO datetime/,
    );
    assert.throws(
      () => canonicalizeRecord({ D: '03/31/2024' }, { D: 'date' }, 'bulk'),
      /field D: not a date/,
    );
    assert.throws(
      () => canonicalizeRecord({ Mystery__c: 'x' }, { Id: 'id' }, 'rest'),
      /field Mystery__c: not in the describe/,
    );
    assert.throws(
      () => canonicalizeRecord({ X: 'x' }, { X: 'strange' }, 'rest'),
      /unsupported field type "strange"/,
    );
    assert.throws(() => canonicalizeRecord({}, {}, 'soap' as 'rest'), /unknown record source "soap"/);
  });

  test('field types come from a describe result', () => {
    // Shape of GET /sobjects/Account/describe (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_describe.htm), trimmed to the keys used.
    const describe = {
      fields: [
        { name: 'Id', type: 'id' },
        { name: 'BillingAddress', type: 'address' },
        { name: 'BillingCity', type: 'string' },
      ],
    };
    const types = fieldTypesFromDescribe(describe);
    assert.deepEqual(types, { Id: 'id', BillingAddress: 'address', BillingCity: 'string' });
    const canonical = canonicalizeRecord(
      { Id: '001000000000001AAA', BillingAddress: { city: 'X' }, BillingCity: 'X' },
      types,
      'rest',
    );
    assert.deepEqual(canonical, { BillingCity: 'X', Id: '001000000000001AAA' });
  });
});
