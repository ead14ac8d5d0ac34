import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SimOrg } from '../src/org/api.js';
import { functionOrg, refuses } from './support/function-org.js';

/**
 * The SELECT clause's functions, as the SOQL and SOSL Reference documents them ("SOQL SELECT
 * Functions", https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_functions.htm):
 * aggregate functions, convertCurrency(), convertTimezone(), date functions, FORMAT(),
 * GROUPING(), toLabel(); and DISTANCE()/GEOLOCATION() ("Location-Based SOQL Queries").
 * Date functions and FIELDS() have their own tests (org-soql-functions, org-describe-custom).
 */
describe('SOQL SELECT functions', () => {
  let org: SimOrg;
  before(async () => {
    org = await functionOrg('select-functions');
  });
  after(() => org.close());

  const one = (soql: string): Record<string, unknown> => {
    const page = org.query(soql);
    assert.equal(page.records.length, 1, soql);
    return page.records[0]!;
  };

  // "Aggregate Functions" (…/sforce_api_calls_soql_select_agg_functions.htm): every aggregate but
  // COUNT() and COUNT(Id) ignores nulls; unaliased aggregates are expr0, expr1, … ("Use Aliases
  // with GROUP BY"); MIN() and MAX() of a picklist use its sort order, not the alphabet.
  test('COUNT, COUNT_DISTINCT, SUM, AVG, MIN, MAX: nulls ignored, exprN keys, aliases', () => {
    const r = one(
      'SELECT COUNT(Id), COUNT(Rating), COUNT_DISTINCT(Rating), SUM(AnnualRevenue) total, AVG(AnnualRevenue), MIN(Name), MAX(Name) FROM Account',
    );
    assert.deepEqual(r, {
      attributes: { type: 'AggregateResult' },
      expr0: 5,
      expr1: 4,
      expr2: 3,
      total: 48000,
      expr3: 12000,
      expr4: 'Alpha',
      expr5: 'Echo',
    });
  });

  test('MIN() and MAX() of a picklist follow the defined order (Hot, Warm, Cold)', () => {
    const r = one('SELECT MIN(Rating) lo, MAX(Rating) hi FROM Account');
    assert.equal(r.lo, 'Hot');
    assert.equal(r.hi, 'Cold');
  });

  // "Support for Field Types in Aggregate Functions" (…/sforce_api_calls_soql_select_agg_functions_field_types.htm):
  // AVG() and SUM() take numbers only; no aggregate takes boolean; a long text area is not aggregatable.
  test('an aggregate of a field type it does not support is refused as Salesforce words it', () => {
    refuses(
      org,
      'SELECT SUM(Name) FROM Account',
      'MALFORMED_QUERY',
      /field Name does not support aggregate operator SUM/,
    );
    refuses(
      org,
      'SELECT AVG(CreatedDate) FROM Account',
      'MALFORMED_QUERY',
      /field CreatedDate does not support aggregate operator AVG/,
    );
    refuses(
      org,
      'SELECT COUNT(IsPartner) FROM Account',
      'MALFORMED_QUERY',
      /field IsPartner does not support aggregate operator COUNT/,
    );
    refuses(
      org,
      'SELECT MAX(Description) FROM Account',
      'MALFORMED_QUERY',
      /field Description does not support aggregate operator MAX/,
    );
    refuses(
      org,
      'SELECT Industry FROM Account GROUP BY Industry HAVING SUM(Name) > 1',
      'MALFORMED_QUERY',
      /field Name does not support aggregate operator SUM/,
    );
  });

  // "COUNT() and COUNT(fieldName)" (…/sforce_api_calls_soql_select_count.htm): COUNT() must be the
  // only element; "You can use COUNT() with a LIMIT clause"; "You can't use COUNT() with an ORDER BY
  // clause"; "You can't use COUNT() with a GROUP BY clause for API version 19.0 and later".
  test('COUNT(): alone in SELECT, with LIMIT; not with ORDER BY or GROUP BY', () => {
    const page = org.query('SELECT COUNT() FROM Account LIMIT 3');
    assert.equal(page.totalSize, 3);
    assert.deepEqual(page.records, []);
    refuses(
      org,
      'SELECT COUNT(), Name FROM Account',
      'MALFORMED_QUERY',
      /COUNT\(\) must be the only element/,
    );
    refuses(org, 'SELECT COUNT() FROM Account ORDER BY Name', 'MALFORMED_QUERY', /COUNT\(\).*ORDER BY/);
    refuses(org, 'SELECT COUNT() FROM Account GROUP BY Industry', 'MALFORMED_QUERY', /COUNT\(\).*GROUP BY/);
  });

  // "toLabel()" (…/sforce_api_calls_soql_select_tolabel.htm): the translated label, under the field's
  // key; "aliasing is required when the query includes the same field multiple times"; "You can use
  // the toLabel() method to filter records using a translated picklist value".
  test('toLabel(): labels for values, aliases, and filtering on the label', () => {
    const rows = org.query(
      'SELECT Name, CleanStatus, toLabel(CleanStatus) shown FROM Account ORDER BY Name',
    ).records;
    const alpha = rows.find((r) => r.Name === 'Alpha')!;
    assert.equal(alpha.CleanStatus, 'Matched');
    assert.equal(alpha.shown, 'In Sync');
    assert.equal(rows.find((r) => r.Name === 'bravo')!.shown, 'Not Compared');
    assert.equal(rows.find((r) => r.Name === 'Charlie')!.shown, null);
    const plain = org.query("SELECT toLabel(CleanStatus) FROM Account WHERE Name = 'Alpha'").records[0]!;
    assert.deepEqual(Object.keys(plain), ['attributes', 'CleanStatus']);
    assert.equal(plain.CleanStatus, 'In Sync');
    refuses(
      org,
      'SELECT CleanStatus, toLabel(CleanStatus) FROM Account',
      'MALFORMED_QUERY',
      /duplicate field selected: CleanStatus/,
    );
    const byLabel = org
      .query("SELECT Name FROM Account WHERE toLabel(CleanStatus) = 'In Sync'")
      .records.map((r) => r.Name);
    assert.deepEqual(byLabel.sort(), ['Alpha', 'delta']);
    assert.equal(org.query("SELECT Name FROM Account WHERE toLabel(CleanStatus) LIKE 'not%'").totalSize, 1);
    assert.equal(org.query("SELECT Name FROM Account WHERE toLabel(CleanStatus) = 'Matched'").totalSize, 0);
    // "The toLabel() method cannot be used with ORDER BY."
    refuses(
      org,
      'SELECT Name FROM Account ORDER BY toLabel(CleanStatus)',
      'MALFORMED_QUERY',
      /unexpected token/,
    );
  });

  // "FORMAT()" (…/sforce_api_calls_soql_select_format.htm): "Using FORMAT with currencies returns a
  // fully formatted value, such as $44,000.00"; a dateTime "in the org or user's locale, such as
  // 4/10/2025, 3:31 PM"; aliasing; nesting with aggregate functions.
  test('FORMAT(): localized currency, number and dateTime values; with aggregates', () => {
    org.clock.set('2025-04-10T22:31:37.000Z');
    const { created } = org.mutate({
      object: 'Account',
      ops: [{ op: 'create', records: [{ Name: 'Formatted' }] }],
    });
    try {
      const r = org.query(
        "SELECT AnnualRevenue, FORMAT(AnnualRevenue) amt, FORMAT(NumberOfEmployees), FORMAT(CreatedDate) created FROM Account WHERE Name IN ('Alpha', 'Formatted') ORDER BY Name",
      ).records;
      assert.equal(r[0]!.AnnualRevenue, 44000);
      // Account.AnnualRevenue is a currency with scale 0 in the describe, so no cents.
      assert.equal(r[0]!.amt, '$44,000');
      assert.equal(r[0]!.NumberOfEmployees, '1,200');
      assert.equal(r[1]!.created, '4/10/2025, 3:31 PM'); // America/Los_Angeles, the user's time zone
      assert.equal(r[1]!.amt, null);
      const agg = one(
        "SELECT FORMAT(MIN(AnnualRevenue)) lo, FORMAT(SUM(AnnualRevenue)), COUNT(Id) FROM Account WHERE Name != 'Formatted'",
      );
      assert.equal(agg.lo, '$500');
      assert.equal(agg.expr0, '$48,000');
      assert.equal(agg.expr1, 5);
    } finally {
      org.mutate({ object: 'Account', ops: [{ op: 'delete', ids: created, hard: true }] });
    }
  });

  // "convertCurrency()" (…/sforce_api_calls_soql_querying_currency_fields.htm): "This action
  // requires that the org has multiple currencies enabled"; "You can't use the convertCurrency()
  // function in a WHERE clause. If you do, an error is returned." This org has one currency.
  test('convertCurrency() is refused in a single-currency org, and in WHERE', () => {
    refuses(
      org,
      'SELECT convertCurrency(AnnualRevenue) FROM Account',
      'MALFORMED_QUERY',
      /multiple currencies/,
    );
    refuses(
      org,
      'SELECT FORMAT(convertCurrency(AnnualRevenue)) v FROM Account',
      'MALFORMED_QUERY',
      /multiple currencies/,
    );
    refuses(
      org,
      'SELECT MAX(convertCurrency(AnnualRevenue)) FROM Account',
      'MALFORMED_QUERY',
      /multiple currencies/,
    );
    refuses(
      org,
      'SELECT Id FROM Account WHERE convertCurrency(AnnualRevenue) > 5',
      'MALFORMED_QUERY',
      /WHERE/,
    );
  });

  // "convertTimezone()" (…/sforce_api_calls_soql_select_convert_time_zone.htm): "you can only use
  // convertTimezone() in a date function"; `SELECT convertTimezone(CreatedDate) FROM Opportunity` doesn't work.
  test('convertTimezone() only inside a date function', () => {
    refuses(org, 'SELECT convertTimezone(CreatedDate) FROM Account', 'MALFORMED_QUERY', /convertTimezone/);
    const r = one(
      'SELECT HOUR_IN_DAY(convertTimezone(CreatedDate)) h, COUNT(Id) FROM Account GROUP BY HOUR_IN_DAY(convertTimezone(CreatedDate))',
    );
    assert.equal(r.expr0, 5);
  });

  // "Use Aliases with GROUP BY" (…/sforce_api_calls_soql_select_groupby_alias.htm): "You can use an
  // alias for any field or aggregated field in a SELECT statement" of an aggregate query; the
  // record's keys are the aliases. Outside aggregate queries plain fields take no alias.
  test('field aliases name the keys of aggregate records; plain queries refuse them', () => {
    const rows = org.query('SELECT Industry ind, MAX(Name) top FROM Account GROUP BY Industry').records;
    assert.deepEqual(Object.keys(rows[0]!), ['attributes', 'ind', 'top']);
    assert.deepEqual(
      rows.map((r) => [r.ind, r.top]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      [
        ['Banking', 'bravo'],
        ['Energy', 'delta'],
        [null, 'Echo'],
      ],
    );
    refuses(
      org,
      'SELECT Name n FROM Account',
      'MALFORMED_QUERY',
      /only aggregate expressions use field aliasing/,
    );
  });

  // "GROUP BY ROLLUP" (…/sforce_api_calls_soql_select_groupby_rollup.htm), "GROUP BY CUBE" and
  // "GROUPING(fieldName)" (…/sforce_api_calls_soql_select_grouping.htm): subtotal rows with the
  // rolled-up fields null, a grand total, GROUPING() = 1 on subtotals, usable in SELECT, HAVING and
  // ORDER BY; up to three fields; not mixed with plain GROUP BY fields.
  test('GROUP BY ROLLUP and CUBE with GROUPING()', () => {
    const rollup = org
      .query(
        'SELECT Industry, Rating, GROUPING(Industry) gi, GROUPING(Rating) gr, COUNT(Id) cnt FROM Account GROUP BY ROLLUP(Industry, Rating)',
      )
      .records.map((r) => [r.Industry, r.Rating, r.gi, r.gr, r.cnt]);
    assert.deepEqual(rollup, [
      ['Banking', 'Cold', 0, 0, 1],
      ['Banking', 'Hot', 0, 0, 1],
      ['Banking', null, 0, 1, 2],
      ['Energy', 'Warm', 0, 0, 1],
      ['Energy', null, 0, 0, 1],
      ['Energy', null, 0, 1, 2],
      [null, 'Hot', 0, 0, 1],
      [null, null, 0, 1, 1],
      [null, null, 1, 1, 5],
    ]);
    const cube = org.query(
      'SELECT Rating, GROUPING(Rating) g, COUNT(Id) FROM Account GROUP BY CUBE(Industry, Rating)',
    ).records;
    assert.equal(cube.length, 9 + 4); // rollup rows plus one subtotal per Rating value (Hot, Warm, Cold, null)
    assert.equal(cube.filter((r) => r.g === 1).length, 4); // Industry subtotals and the grand total
    const totals = org.query(
      'SELECT Industry, COUNT(Id) c FROM Account GROUP BY ROLLUP(Industry) HAVING GROUPING(Industry) = 1',
    ).records;
    assert.deepEqual(
      totals.map((r) => [r.Industry, r.c]),
      [[null, 5]],
    );
    const first = org
      .query(
        'SELECT Industry, COUNT(Id) c FROM Account GROUP BY ROLLUP(Industry) ORDER BY GROUPING(Industry) DESC, COUNT(Id) DESC',
      )
      .records.map((r) => r.c);
    assert.deepEqual(first, [5, 2, 2, 1]);
    refuses(
      org,
      'SELECT Industry FROM Account GROUP BY ROLLUP(Industry), Rating',
      'MALFORMED_QUERY',
      /ROLLUP/,
    );
    refuses(
      org,
      'SELECT COUNT(Id) FROM Account GROUP BY ROLLUP(Industry, Rating, Type, Name)',
      'MALFORMED_QUERY',
      /three/,
    );
  });

  // "Location-Based SOQL Queries" (…/sforce_api_calls_soql_geolocate.htm): DISTANCE(field,
  // GEOLOCATION(lat, lon), 'mi'|'km') in SELECT, WHERE (< or >) and ORDER BY.
  test('DISTANCE() and GEOLOCATION() in SELECT, WHERE and ORDER BY', () => {
    const near = org.query(
      "SELECT Name, DISTANCE(Site_Location__c, GEOLOCATION(37.775, -122.418), 'mi') dist FROM Account WHERE DISTANCE(Site_Location__c, GEOLOCATION(37.775, -122.418), 'mi') < 500 ORDER BY DISTANCE(Site_Location__c, GEOLOCATION(37.775, -122.418), 'mi')",
    ).records;
    assert.deepEqual(
      near.map((r) => r.Name),
      ['Alpha', 'bravo'],
    );
    assert.ok((near[0]!.dist as number) < 1);
    assert.ok(Math.abs((near[1]!.dist as number) - 347) < 5, String(near[1]!.dist));
    const km = org.query(
      "SELECT DISTANCE(Site_Location__c, GEOLOCATION(37.775, -122.418), 'km') FROM Account WHERE Name = 'bravo'",
    ).records[0]!;
    assert.ok(Math.abs((km.expr0 as number) - 559) < 8, String(km.expr0));
    const far = org
      .query(
        "SELECT Name FROM Account WHERE DISTANCE(Site_Location__c, GEOLOCATION(37.775, -122.418), 'km') > 1000",
      )
      .records.map((r) => r.Name);
    assert.deepEqual(far, ['delta']);
    refuses(
      org,
      "SELECT Name FROM Account WHERE DISTANCE(Site_Location__c, GEOLOCATION(1, 2), 'mi') = 5",
      'MALFORMED_QUERY',
      /< or >/,
    );
    refuses(
      org,
      "SELECT Name FROM Account WHERE DISTANCE(Name, GEOLOCATION(1, 2), 'mi') < 5",
      'MALFORMED_QUERY',
      /location/,
    );
  });
});
