import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SimOrg } from '../src/org/api.js';
import { functionOrg, refuses } from './support/function-org.js';

/**
 * ORDER BY as the SOQL and SOSL Reference documents it ("ORDER BY",
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_orderby.htm):
 * `ORDER BY fieldOrderByList {ASC|DESC} [NULLS {FIRST|LAST}]`, ascending and nulls first by default;
 * sorting is case-insensitive (English locales); several keys; relationship fields, with records
 * whose foreign key is null still returned; "Picklist sorting is defined by the picklist sort
 * determined during setup"; multi-select picklists, rich and long text areas and encrypted fields
 * cannot be sorted. In an aggregate query the groups are ordered, also by aggregate functions
 * ("Aggregate Functions") and GROUPING() ("GROUPING(fieldName)": "You can use the GROUPING(fieldName)
 * function in SELECT, HAVING, and ORDER BY clauses").
 */
describe('SOQL ORDER BY', () => {
  let org: SimOrg;
  before(async () => {
    org = await functionOrg('order-by');
    const ids = new Map(org.query('SELECT Id, Name FROM Account').records.map((r) => [r.Name, r.Id]));
    org.mutate({
      object: 'Contact',
      ops: [
        {
          op: 'create',
          records: [
            { LastName: 'c1', AccountId: ids.get('Alpha') },
            { LastName: 'c2', AccountId: ids.get('Echo') },
            { LastName: 'c3' },
          ],
        },
      ],
    });
  });
  after(() => org.close());

  const names = (soql: string, key = 'Name'): unknown[] => org.query(soql).records.map((r) => r[key]);

  test('ascending by default; DESC; text compares without case', () => {
    assert.deepEqual(names('SELECT Name FROM Account ORDER BY Name'), [
      'Alpha',
      'bravo',
      'Charlie',
      'delta',
      'Echo',
    ]);
    assert.deepEqual(names('SELECT Name FROM Account ORDER BY Name ASC'), [
      'Alpha',
      'bravo',
      'Charlie',
      'delta',
      'Echo',
    ]);
    assert.deepEqual(names('SELECT Name FROM Account ORDER BY Name DESC'), [
      'Echo',
      'delta',
      'Charlie',
      'bravo',
      'Alpha',
    ]);
  });

  test('nulls first by default (last when descending), or where NULLS FIRST/LAST puts them', () => {
    const order = (clause: string) => names(`SELECT Name FROM Account ORDER BY NumberOfEmployees ${clause}`);
    assert.deepEqual(order(''), ['Charlie', 'bravo', 'delta', 'Echo', 'Alpha']);
    assert.deepEqual(order('ASC NULLS LAST'), ['bravo', 'delta', 'Echo', 'Alpha', 'Charlie']);
    assert.deepEqual(order('DESC'), ['Alpha', 'Echo', 'delta', 'bravo', 'Charlie']);
    assert.deepEqual(order('DESC NULLS FIRST'), ['Charlie', 'Alpha', 'Echo', 'delta', 'bravo']);
  });

  test('a picklist sorts in its defined order (Rating: Hot, Warm, Cold), not alphabetically', () => {
    assert.deepEqual(names('SELECT Name FROM Account ORDER BY Rating, Name'), [
      'delta',
      'bravo',
      'Echo',
      'Charlie',
      'Alpha',
    ]);
    assert.deepEqual(names('SELECT Name FROM Account ORDER BY Rating DESC NULLS LAST, Name'), [
      'Alpha',
      'Charlie',
      'bravo',
      'Echo',
      'delta',
    ]);
  });

  test('several keys, each with its own direction', () => {
    assert.deepEqual(names('SELECT Name FROM Account ORDER BY Industry DESC NULLS LAST, Name DESC'), [
      'delta',
      'Charlie',
      'bravo',
      'Alpha',
      'Echo',
    ]);
  });

  test('a relationship field orders; a record whose lookup is empty is still returned', () => {
    assert.deepEqual(
      names('SELECT LastName FROM Contact ORDER BY Account.Name DESC NULLS LAST', 'LastName'),
      ['c2', 'c1', 'c3'],
    );
    assert.deepEqual(names('SELECT LastName FROM Contact ORDER BY Account.Name', 'LastName'), [
      'c3',
      'c1',
      'c2',
    ]);
  });

  test('a field that cannot be sorted is refused', () => {
    refuses(
      org,
      'SELECT Name FROM Account ORDER BY Description',
      'INVALID_FIELD',
      /field 'Description' can not be sorted in a query call/,
    );
  });

  test('groups order by grouped fields and by aggregates, selected or not', () => {
    const counted = org.query(
      'SELECT Industry, COUNT(Id) c FROM Account GROUP BY Industry ORDER BY COUNT(Id) DESC, Industry',
    ).records;
    assert.deepEqual(
      counted.map((r) => [r.Industry, r.c]),
      [
        ['Banking', 2],
        ['Energy', 2],
        [null, 1],
      ],
    );
    assert.deepEqual(
      names(
        'SELECT Industry FROM Account GROUP BY Industry ORDER BY MAX(NumberOfEmployees) DESC NULLS LAST',
        'Industry',
      ),
      ['Banking', null, 'Energy'],
    );
    // MIN() of a picklist is in the picklist's order, and so is ordering by it.
    assert.deepEqual(
      names('SELECT Industry, MIN(Rating) m FROM Account GROUP BY Industry ORDER BY MIN(Rating) DESC', 'm'),
      ['Warm', 'Hot', 'Hot'],
    );
    assert.deepEqual(
      names('SELECT Industry FROM Account GROUP BY Industry ORDER BY Industry DESC NULLS FIRST', 'Industry'),
      [null, 'Energy', 'Banking'],
    );
  });

  test('GROUPING() orders the subtotal rows, with or without a direction', () => {
    const rows = org
      .query(
        'SELECT Industry, COUNT(Id) c FROM Account GROUP BY ROLLUP(Industry) ORDER BY GROUPING(Industry) DESC, COUNT(Id), Industry',
      )
      .records.map((r) => [r.Industry, r.c]);
    assert.deepEqual(rows, [
      [null, 5],
      [null, 1],
      ['Banking', 2],
      ['Energy', 2],
    ]);
    const last = org
      .query(
        'SELECT Industry, COUNT(Id) c FROM Account GROUP BY ROLLUP(Industry) ORDER BY GROUPING(Industry), Industry DESC',
      )
      .records.map((r) => r.c);
    assert.deepEqual(last, [2, 2, 1, 5]);
  });

  test('what is neither grouped nor aggregated cannot order groups; aggregates cannot order rows', () => {
    refuses(
      org,
      'SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry ORDER BY Name',
      'MALFORMED_QUERY',
      /Ordered field must be grouped or aggregated: Name/,
    );
    refuses(
      org,
      'SELECT Name FROM Account ORDER BY COUNT(Id)',
      'MALFORMED_QUERY',
      /Ordered field must be grouped or aggregated/,
    );
  });

  test('ORDER BY with LIMIT and OFFSET pages through the sorted rows', () => {
    assert.deepEqual(names('SELECT Name FROM Account ORDER BY Name LIMIT 2 OFFSET 1'), ['bravo', 'Charlie']);
  });
});
