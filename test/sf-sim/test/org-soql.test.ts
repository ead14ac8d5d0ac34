import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createOrg } from '../src/org/create-org.js';
import { SimError, type SimOrg, type JsonRecord } from '../src/org/api.js';

function soqlError(org: SimOrg, soql: string, scanAll = false): SimError {
  try {
    org.query(soql, { scanAll });
  } catch (e) {
    if (e instanceof SimError) return e;
    throw e;
  }
  assert.fail(`expected an error for: ${soql}`);
}

function allRecords(org: SimOrg, soql: string, scanAll = false): JsonRecord[] {
  let page = org.query(soql, { scanAll });
  const out = [...page.records];
  while (page.nextLocator) {
    page = org.queryMore(page.nextLocator);
    out.push(...page.records);
  }
  return out;
}

describe('SOQL against the small seed', () => {
  let org: SimOrg;
  before(async () => {
    org = await createOrg({ seed: 'small', seedValue: 'soql' });
  });
  after(() => org.close());

  test('records carry attributes, 18-char Ids and REST datetimes', () => {
    const page = org.query('SELECT Id, Name, CreatedDate, SystemModstamp FROM Account LIMIT 5', {
      apiVersion: '61.0',
    });
    assert.equal(page.records.length, 5);
    for (const r of page.records) {
      assert.equal(r.attributes.type, 'Account');
      assert.equal(r.attributes.url, `/services/data/v61.0/sobjects/Account/${String(r.Id)}`);
      assert.match(String(r.Id), /^001[A-Za-z0-9]{15}$/);
      assert.match(String(r.SystemModstamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000$/);
      assert.deepEqual(Object.keys(r), ['attributes', 'Id', 'Name', 'CreatedDate', 'SystemModstamp']);
    }
  });

  test('field names are case-insensitive but come back in describe casing', () => {
    const [r] = org.query('select id, name, billingcity from account limit 1').records;
    assert.deepEqual(Object.keys(r!), ['attributes', 'Id', 'Name', 'BillingCity']);
  });

  test('WHERE with AND/OR/NOT, parentheses, IN, LIKE, null and booleans', () => {
    const all = allRecords(org, 'SELECT Id, Industry, Rating, Website, Name FROM Account');
    const expected = all.filter(
      (r) =>
        (r.Industry === 'Banking' ||
          r.Industry === 'Retail' ||
          String(r.Name).toLowerCase().startsWith('acme')) &&
        r.Rating !== 'Cold' &&
        r.Website !== null,
    );
    const got = allRecords(
      org,
      "SELECT Id FROM Account WHERE (Industry IN ('Banking', 'Retail') OR Name LIKE 'acme%') AND NOT Rating = 'Cold' AND Website != null",
    );
    assert.deepEqual(got.map((r) => r.Id).sort(), expected.map((r) => r.Id).sort());
    const notIn = allRecords(org, "SELECT Id FROM Account WHERE Industry NOT IN ('Banking')");
    assert.equal(notIn.length, all.filter((r) => r.Industry !== 'Banking').length);
    const visible = allRecords(org, 'SELECT Id FROM CustomObject__c WHERE Visible__c = true');
    const hidden = allRecords(org, 'SELECT Id FROM CustomObject__c WHERE Visible__c = false');
    assert.equal(visible.length + hidden.length, allRecords(org, 'SELECT Id FROM CustomObject__c').length);
  });

  test('datetime, date and number comparisons; 15- and 18-char Id filters', () => {
    const all = allRecords(
      org,
      'SELECT Id, SystemModstamp, AnnualRevenue FROM Account ORDER BY SystemModstamp',
    );
    const mid = String(all[Math.floor(all.length / 2)]!.SystemModstamp);
    const literal = mid.replace('.000+0000', 'Z');
    const after = allRecords(org, `SELECT Id FROM Account WHERE SystemModstamp >= ${literal}`);
    assert.equal(after.length, all.filter((r) => String(r.SystemModstamp) >= mid).length);
    const withOffset = allRecords(
      org,
      `SELECT Id FROM Account WHERE SystemModstamp >= ${mid.slice(0, 19)}.000+00:00`,
    );
    assert.equal(withOffset.length, after.length);
    const rich = allRecords(org, 'SELECT Id FROM Account WHERE AnnualRevenue > 1000000');
    assert.equal(
      rich.length,
      all.filter((r) => typeof r.AnnualRevenue === 'number' && r.AnnualRevenue > 1000000).length,
    );
    const id18 = String(all[0]!.Id);
    assert.equal(org.query(`SELECT Id FROM Account WHERE Id = '${id18.slice(0, 15)}'`).records[0]!.Id, id18);
    assert.equal(org.query(`SELECT Id FROM Account WHERE Id = '${id18}'`).totalSize, 1);
    const births = allRecords(org, 'SELECT Id, Birthdate FROM Contact WHERE Birthdate < 1990-01-01');
    assert.ok(births.every((r) => String(r.Birthdate) < '1990-01-01'));
    const recent = org.query('SELECT COUNT() FROM Account WHERE CreatedDate = LAST_N_DAYS:365').totalSize;
    const total = org.query('SELECT COUNT() FROM Account').totalSize;
    assert.ok(recent > 0 && recent < total);
  });

  test('ORDER BY several keys, DESC, NULLS LAST; LIMIT and OFFSET', () => {
    const rows = allRecords(
      org,
      'SELECT Id, Website, Name FROM Account ORDER BY Website DESC NULLS LAST, Name ASC',
    );
    const firstNull = rows.findIndex((r) => r.Website === null);
    assert.ok(firstNull > 0);
    assert.ok(rows.slice(firstNull).every((r) => r.Website === null));
    for (let i = 1; i < firstNull; i++)
      assert.ok(String(rows[i - 1]!.Website).toLowerCase() >= String(rows[i]!.Website).toLowerCase());
    const page = org.query('SELECT Id FROM Account ORDER BY Name ASC, Id ASC LIMIT 4 OFFSET 2');
    const full = allRecords(org, 'SELECT Id FROM Account ORDER BY Name ASC, Id ASC');
    assert.deepEqual(
      page.records.map((r) => r.Id),
      full.slice(2, 6).map((r) => r.Id),
    );
    assert.equal(page.totalSize, 4);
  });

  test('COUNT() uses totalSize; aggregates are AggregateResult rows', () => {
    const n = org.query('SELECT COUNT() FROM Contact');
    assert.deepEqual(n.records, []);
    assert.equal(n.totalSize, allRecords(org, 'SELECT Id FROM Contact').length);
    const agg = org.query('SELECT COUNT(Id), MAX(AnnualRevenue) top FROM Account');
    assert.deepEqual(Object.keys(agg.records[0]!), ['attributes', 'expr0', 'top']);
    assert.deepEqual(agg.records[0]!.attributes, { type: 'AggregateResult' });
    assert.equal(agg.records[0]!.expr0, org.query('SELECT COUNT() FROM Account').totalSize);
  });

  test('parent relationships nest with their own attributes; missing parents are null', () => {
    const rows = allRecords(org, 'SELECT Id, Account.Name, Account.Owner.Name, AccountId FROM Contact');
    const withAccount = rows.find((r) => r.AccountId !== null)!;
    const acct = withAccount.Account as Record<string, unknown>;
    assert.deepEqual((acct.attributes as Record<string, unknown>).type, 'Account');
    assert.equal(typeof acct.Name, 'string');
    assert.equal(
      ((acct.Owner as Record<string, unknown>).attributes as Record<string, unknown>).type,
      'User',
    );
    const orphan = rows.find((r) => r.AccountId === null);
    if (orphan) assert.equal(orphan.Account, null);
  });

  test('compound address fields come back as objects; base64 fields as blob URLs', () => {
    const [a] = org.query(
      'SELECT BillingAddress, BillingCity FROM Account WHERE BillingCity != null LIMIT 1',
    ).records;
    const addr = a!.BillingAddress as Record<string, unknown>;
    assert.deepEqual(Object.keys(addr), [
      'city',
      'country',
      'countryCode',
      'geocodeAccuracy',
      'latitude',
      'longitude',
      'postalCode',
      'state',
      'stateCode',
      'street',
    ]);
    assert.equal(addr.city, a!.BillingCity);
    const [loc] = org.query(
      'SELECT Site_Location__c FROM Account WHERE Site_Location__Latitude__s != null LIMIT 1',
    ).records;
    const point = loc!.Site_Location__c as Record<string, unknown>;
    assert.deepEqual(Object.keys(point), ['latitude', 'longitude']);
    assert.equal(typeof point.latitude, 'number');
    const [none] = org.query(
      'SELECT Site_Location__c FROM Account WHERE Site_Location__Latitude__s = null LIMIT 1',
    ).records;
    assert.equal(none!.Site_Location__c, null);
    const [cv] = org.query('SELECT Id, VersionData FROM ContentVersion LIMIT 1', {
      apiVersion: '60.0',
    }).records;
    assert.equal(
      cv!.VersionData,
      `/services/data/v60.0/sobjects/ContentVersion/${String(cv!.Id)}/VersionData`,
    );
  });

  test('FIELDS(ALL) returns every readable field and needs LIMIT <= 200', () => {
    const [r] = org.query('SELECT FIELDS(ALL) FROM Account LIMIT 1').records;
    const described = (org.describe('Account').body.fields as { name: string }[]).map((f) => f.name);
    assert.deepEqual(Object.keys(r!).slice(1), described);
    assert.equal(
      soqlError(org, 'SELECT FIELDS(ALL) FROM Account').message,
      'The SOQL FIELDS function must have a LIMIT of at most 200',
    );
    assert.ok(org.query('SELECT FIELDS(STANDARD) FROM Account').totalSize > 0);
  });

  test('error bodies: INVALID_FIELD, INVALID_TYPE, MALFORMED_QUERY with caret and position', () => {
    const bad = soqlError(org, 'SELECT Id, Foo__c FROM Account');
    assert.equal(bad.status, 400);
    assert.equal(bad.errorCode, 'INVALID_FIELD');
    assert.equal(
      bad.message,
      "\nSELECT Id, Foo__c FROM Account\n           ^\nERROR at Row:1:Column:12\nNo such column 'Foo__c' on entity 'Account'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
    );
    const type = soqlError(org, 'SELECT Id FROM Acount');
    assert.equal(type.errorCode, 'INVALID_TYPE');
    assert.equal(
      type.message,
      "\nSELECT Id FROM Acount\n               ^\nERROR at Row:1:Column:16\nsObject type 'Acount' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
    );
    const malformed = soqlError(org, 'SELECT Id, Name, FROM Account');
    assert.equal(malformed.errorCode, 'MALFORMED_QUERY');
    assert.equal(
      malformed.message,
      "\nSELECT Id, Name, FROM Account\n                 ^\nERROR at Row:1:Column:18\nunexpected token: 'FROM'",
    );
    assert.equal(soqlError(org, 'SELEKT Id FROM Account').message, 'unexpected token: SELEKT');
    assert.equal(soqlError(org, 'SELECT Id, Id FROM Account').message, 'duplicate field selected: Id');
    assert.equal(soqlError(org, 'SELECT Id FROM ScratchOrgInfo').errorCode, 'INVALID_TYPE');
  });

  test('filter type errors, unfilterable fields, bad Ids and OFFSET over 2000', () => {
    const quoted = soqlError(org, "SELECT Id FROM Account WHERE SystemModstamp > '2024-01-01T00:00:00Z'");
    assert.equal(quoted.errorCode, 'INVALID_FIELD');
    assert.ok(
      quoted.message.endsWith(
        "value of filter criterion for field 'SystemModstamp' must be of type dateTime and should not be enclosed in quotes",
      ),
    );
    const desc = soqlError(org, "SELECT Id FROM Account WHERE Description = 'x'");
    assert.equal(desc.errorCode, 'INVALID_QUERY_FILTER_OPERATOR');
    assert.ok(desc.message.endsWith("field 'Description' can not be filtered in query call"));
    const id = soqlError(org, "SELECT Id FROM Account WHERE Id = 'xyz'");
    assert.equal(id.errorCode, 'INVALID_QUERY_FILTER_OPERATOR');
    assert.ok(id.message.endsWith('invalid ID field: xyz'));
    const offset = soqlError(org, 'SELECT Id FROM Account LIMIT 10 OFFSET 2001');
    assert.equal(offset.errorCode, 'NUMBER_OUTSIDE_VALID_RANGE');
    assert.equal(offset.message, 'Maximum SOQL offset allowed for apiName Account is 2000');
  });

  test('objects a backup cannot query the usual way', () => {
    const cdl = soqlError(org, 'SELECT Id, LinkedEntityId FROM ContentDocumentLink');
    assert.equal(cdl.errorCode, 'MALFORMED_QUERY');
    assert.match(
      cdl.message,
      /^Implementation restriction: ContentDocumentLink requires a filter by a single Id on ContentDocumentId or LinkedEntityId/,
    );
    const docs = allRecords(org, 'SELECT Id FROM ContentDocument');
    const links = org.query(
      `SELECT Id, LinkedEntityId FROM ContentDocumentLink WHERE ContentDocumentId = '${String(docs[0]!.Id)}'`,
    );
    assert.equal(links.totalSize, 1);
    const inList = org.query(
      `SELECT Id FROM ContentDocumentLink WHERE ContentDocumentId IN ('${docs.map((d) => String(d.Id)).join("','")}')`,
    );
    assert.equal(inList.totalSize, docs.length);
    const viaSemiJoin = org.query(
      'SELECT Id, LinkedEntityId FROM ContentDocumentLink WHERE LinkedEntityId IN (SELECT Id FROM Account WHERE Name != null)',
    );
    const accountIds = new Set(allRecords(org, 'SELECT Id FROM Account').map((r) => r.Id));
    assert.ok(viaSemiJoin.totalSize > 0);
    assert.ok(viaSemiJoin.records.every((r) => accountIds.has(r.LinkedEntityId)));
    const notQueryable = soqlError(org, 'SELECT Id FROM ActivityHistory');
    assert.equal(notQueryable.errorCode, 'INVALID_TYPE_FOR_OPERATION');
    assert.equal(notQueryable.message, 'entity type ActivityHistory does not support query');
    assert.equal(soqlError(org, 'SELECT Id FROM AccountChangeEvent').errorCode, 'INVALID_TYPE_FOR_OPERATION');
    const global = org.describeGlobal().body.sobjects as { name: string; queryable: boolean }[];
    assert.equal(global.find((s) => s.name === 'AccountChangeEvent')!.queryable, false);
    assert.equal(global.find((s) => s.name === 'Account')!.queryable, true);
  });

  test('parent-to-child subqueries nest child results (null when empty) in SELECT order', () => {
    const rows = allRecords(
      org,
      'SELECT Id, Name, (SELECT Id, LastName FROM Contacts ORDER BY LastName LIMIT 50), Industry FROM Account',
    );
    assert.deepEqual(Object.keys(rows[0]!), ['attributes', 'Id', 'Name', 'Contacts', 'Industry']);
    const contacts = allRecords(org, 'SELECT Id, AccountId FROM Contact');
    for (const r of rows) {
      const expected = contacts.filter((c) => c.AccountId === r.Id).length;
      const sub = r.Contacts as { totalSize: number; done: boolean; records: JsonRecord[] } | null;
      if (expected === 0) assert.equal(sub, null);
      else {
        assert.equal(sub!.totalSize, expected);
        assert.equal(sub!.done, true);
        assert.equal(sub!.records[0]!.attributes.type, 'Contact');
      }
    }
    assert.equal(
      soqlError(org, 'SELECT Id, (SELECT Id FROM Nothings) FROM Account').errorCode,
      'INVALID_FIELD',
    );
  });

  test('Bulk 2.0 rejects what it does not support, at job creation', () => {
    const code = (soql: string): string => {
      try {
        org.bulkQuery(soql);
      } catch (e) {
        if (e instanceof SimError) return `${e.errorCode}: ${e.message}`;
        throw e;
      }
      return 'accepted';
    };
    assert.equal(
      code('SELECT Id, BillingAddress FROM Account'),
      'API_ERROR: Selecting compound data not supported in Bulk Query',
    );
    assert.match(code('SELECT COUNT() FROM Account'), /^API_ERROR/);
    assert.match(code('SELECT Id FROM Account LIMIT 5 OFFSET 2'), /^API_ERROR/);
    assert.match(code('SELECT FIELDS(STANDARD) FROM Account'), /^API_ERROR/);
    assert.match(code('SELECT Id, (SELECT Id FROM Contacts) FROM Account'), /^API_ERROR/);
    assert.match(code('SELECT Id, VersionData FROM ContentVersion'), /^API_ERROR/);
    assert.equal(
      code('SELECT Id FROM Attachment'),
      'INVALIDENTITY: Attachment is not supported by the Bulk API',
    );
    assert.match(code('SELECT Id, Nope__c FROM Account'), /^INVALID_FIELD/);
    assert.equal(code('SELECT Id, Owner.Name, BillingCity FROM Account ORDER BY Id LIMIT 10'), 'accepted');
    const q = org.bulkQuery('SELECT Id, Owner.Name, BillingCity FROM Account ORDER BY Id LIMIT 10');
    const rows = [...q.rows()];
    assert.equal(rows.length, 10);
    assert.deepEqual(
      rows.map((r) => r[0]),
      org.query('SELECT Id FROM Account ORDER BY Id LIMIT 10').records.map((r) => r.Id),
    );
  });

  test('history objects have CreatedDate and no SystemModstamp', () => {
    const fields = (org.describe('AccountHistory').body.fields as { name: string }[]).map((f) => f.name);
    assert.ok(fields.includes('CreatedDate'));
    assert.ok(!fields.includes('SystemModstamp'));
    assert.ok(org.query('SELECT Id, AccountId, Field, CreatedDate FROM AccountHistory').totalSize > 0);
    assert.equal(
      soqlError(org, 'SELECT Id FROM AccountHistory WHERE SystemModstamp > 2020-01-01T00:00:00Z').errorCode,
      'INVALID_FIELD',
    );
  });
});
