import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createOrg } from '../src/org/create-org.js';
import type { SimOrg } from '../src/org/api.js';
import { soqlError } from './support/function-org.js';

/**
 * SOQL date functions in WHERE and GROUP BY, read in UTC or (convertTimezone) in the integration
 * user's time zone, with the org's fiscal year.
 */

// A: Sunday 2024-03-31 23:30 UTC (16:30 PDT) · B: Monday 2024-04-01 06:15 UTC (Mar 31 23:15 PDT)
// C: Tuesday 2024-12-31 23:59:59 UTC (15:59 PST) · D: no values · E: Wednesday 2025-01-01 07:00 UTC (Dec 31 23:00 PST)
const EVENTS = [
  { Name: 'A', At__c: '2024-03-31T23:30:00.000Z', Day__c: '2024-03-31' },
  { Name: 'B', At__c: '2024-04-01T06:15:00.000Z', Day__c: '2024-04-10' },
  { Name: 'C', At__c: '2024-12-31T23:59:59.000Z', Day__c: '2024-12-31' },
  { Name: 'D', At__c: null, Day__c: null },
  { Name: 'E', At__c: '2025-01-01T07:00:00.000Z', Day__c: '2025-01-01' },
];

async function eventOrg(clock?: string): Promise<SimOrg> {
  const org = await createOrg({ seed: 'none', seedValue: 'date-functions' });
  if (clock) org.clock.set(clock);
  org.addSchema({
    object: 'Evt__c',
    fields: [
      { name: 'At__c', type: 'datetime' },
      { name: 'Day__c', type: 'date' },
    ],
  });
  org.mutate({ object: 'Evt__c', ops: [{ op: 'create', records: EVENTS }] });
  return org;
}

function names(org: SimOrg, where: string): string[] {
  const page = org.query(`SELECT Name FROM Evt__c WHERE ${where}`);
  return page.records.map((r) => String(r.Name)).sort();
}

function setUserTimeZone(org: SimOrg, zone: string): void {
  org.mutate({
    object: 'User',
    ops: [{ op: 'update', ids: [org.integrationUser.id], set: { TimeZoneSidKey: zone } }],
  });
}

describe('SOQL date functions', () => {
  let org: SimOrg;
  before(async () => {
    org = await eventOrg();
  });
  after(() => org.close());

  test('each function reads a dateTime in UTC', () => {
    const cases: [string, string[]][] = [
      ['CALENDAR_YEAR(At__c) = 2024', ['A', 'B', 'C']],
      ['CALENDAR_MONTH(At__c) = 3', ['A']],
      ['CALENDAR_QUARTER(At__c) = 4', ['C']],
      ['DAY_IN_MONTH(At__c) = 1', ['B', 'E']],
      ['DAY_IN_WEEK(At__c) = 1', ['A']],
      ['DAY_IN_WEEK(At__c) = 2', ['B']],
      ['DAY_IN_YEAR(At__c) = 92', ['B']],
      ['DAY_IN_YEAR(At__c) = 366', ['C']],
      ['DAY_ONLY(At__c) = 2024-03-31', ['A']],
      ['HOUR_IN_DAY(At__c) = 23', ['A', 'C']],
      ['WEEK_IN_MONTH(At__c) = 5', ['A', 'C']],
      ['WEEK_IN_YEAR(At__c) = 53', ['C']],
      ['WEEK_IN_YEAR(At__c) = 13', ['A']],
      ['WEEK_IN_YEAR(At__c) = 14', ['B']],
      ['FISCAL_YEAR(At__c) = 2025', ['E']],
      ['FISCAL_QUARTER(At__c) = 2', ['B']],
      ['FISCAL_MONTH(At__c) = 12', ['C']],
    ];
    for (const [where, expected] of cases) assert.deepEqual(names(org, where), expected, where);
  });

  test('a date field is read as written, with no time zone', () => {
    assert.deepEqual(names(org, 'CALENDAR_MONTH(Day__c) = 4'), ['B']);
    assert.deepEqual(names(org, 'DAY_IN_WEEK(Day__c) = 4'), ['B', 'E']);
    assert.deepEqual(names(org, 'WEEK_IN_MONTH(Day__c) = 2'), ['B']);
    assert.deepEqual(names(org, 'CALENDAR_YEAR(Day__c) = 2025'), ['E']);
  });

  test('comparisons, IN / NOT IN, null and boolean combinations', () => {
    assert.deepEqual(names(org, 'CALENDAR_YEAR(At__c) > 2024'), ['E']);
    assert.deepEqual(names(org, 'CALENDAR_YEAR(At__c) <= 2024'), ['A', 'B', 'C']);
    assert.deepEqual(names(org, 'CALENDAR_MONTH(At__c) IN (3, 12)'), ['A', 'C']);
    assert.deepEqual(names(org, 'CALENDAR_MONTH(At__c) NOT IN (3, 12)'), ['B', 'D', 'E']);
    assert.deepEqual(names(org, 'CALENDAR_YEAR(At__c) = null'), ['D']);
    assert.deepEqual(names(org, 'CALENDAR_YEAR(At__c) != null'), ['A', 'B', 'C', 'E']);
    assert.deepEqual(names(org, 'DAY_ONLY(At__c) >= 2024-04-01'), ['B', 'C', 'E']);
    assert.deepEqual(names(org, 'DAY_ONLY(At__c) IN (2024-03-31, 2025-01-01)'), ['A', 'E']);
    assert.deepEqual(names(org, 'CALENDAR_YEAR(At__c) = 2024 AND DAY_IN_WEEK(At__c) = 2'), ['B']);
    assert.deepEqual(
      names(org, "Name = 'D' OR (NOT CALENDAR_QUARTER(At__c) = 1 AND HOUR_IN_DAY(At__c) < 10)"),
      ['B', 'D'],
    );
  });

  test('GROUP BY a date function; the SELECT item is exprN or its alias', () => {
    const byYear = org
      .query('SELECT CALENDAR_YEAR(At__c), COUNT(Id) FROM Evt__c GROUP BY CALENDAR_YEAR(At__c)')
      .records.map((r) => [r.expr0, r.expr1]);
    assert.deepEqual(
      byYear.sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      [
        [2024, 3],
        [2025, 1],
        [null, 1],
      ],
    );
    const [first] = org.query(
      "SELECT DAY_ONLY(At__c) day, COUNT(Id) n FROM Evt__c WHERE Name = 'A' GROUP BY DAY_ONLY(At__c)",
    ).records;
    assert.deepEqual(first, { attributes: { type: 'AggregateResult' }, day: '2024-03-31', n: 1 });
  });

  test('ORDER BY a grouped date function sorts the groups, NULLS FIRST/LAST honoured', () => {
    const rows = (soql: string): unknown[][] =>
      org.query(soql).records.map((r) => Object.values(r).slice(1) as unknown[]);
    const byYear = 'SELECT CALENDAR_YEAR(At__c), COUNT(Id) FROM Evt__c GROUP BY CALENDAR_YEAR(At__c)';
    assert.deepEqual(rows(`${byYear} ORDER BY CALENDAR_YEAR(At__c) DESC NULLS LAST`), [
      [2025, 1],
      [2024, 3],
      [null, 1],
    ]);
    assert.deepEqual(rows(`${byYear} ORDER BY CALENDAR_YEAR(At__c)`), [
      [null, 1],
      [2024, 3],
      [2025, 1],
    ]);
    // A date field grouped by itself may be ordered by a function of it (DESC puts nulls last).
    assert.deepEqual(
      rows(
        'SELECT Day__c, CALENDAR_MONTH(Day__c) FROM Evt__c GROUP BY Day__c ORDER BY CALENDAR_MONTH(Day__c) DESC',
      ),
      [
        ['2024-12-31', 12],
        ['2024-04-10', 4],
        ['2024-03-31', 3],
        ['2025-01-01', 1],
        [null, null],
      ],
    );
  });

  test('HAVING filters groups on grouped date functions and aggregates (selected or not)', () => {
    const years = (having: string): unknown[] =>
      org
        .query(
          `SELECT CALENDAR_YEAR(At__c) y FROM Evt__c GROUP BY CALENDAR_YEAR(At__c) HAVING ${having} ORDER BY CALENDAR_YEAR(At__c)`,
        )
        .records.map((r) => r.y);
    assert.deepEqual(years('CALENDAR_YEAR(At__c) >= 2024'), [2024, 2025]);
    assert.deepEqual(years('CALENDAR_YEAR(At__c) IN (2023, 2025)'), [2025]);
    assert.deepEqual(years('COUNT(Id) > 1'), [2024]);
    assert.deepEqual(years('MAX(At__c) < 2025-01-01T00:00:00Z AND COUNT(Id) > 0'), [2024]);
    assert.deepEqual(years("CALENDAR_YEAR(At__c) = 2025 OR MIN(Name) = 'd'"), [null, 2025]);
    // The HAVING-only aggregate is not part of the record.
    const [only] = org.query(
      'SELECT CALENDAR_YEAR(At__c) y FROM Evt__c GROUP BY CALENDAR_YEAR(At__c) HAVING COUNT(Id) > 1',
    ).records;
    assert.deepEqual(only, { attributes: { type: 'AggregateResult' }, y: 2024 });
    const quarters = org
      .query(
        'SELECT CALENDAR_QUARTER(At__c) q, COUNT(Id) n FROM Evt__c WHERE At__c != null GROUP BY CALENDAR_QUARTER(At__c) HAVING CALENDAR_QUARTER(At__c) != 2 ORDER BY CALENDAR_QUARTER(At__c) DESC',
      )
      .records.map((r) => [r.q, r.n]);
    assert.deepEqual(quarters, [
      [4, 1],
      [1, 2],
    ]);
  });

  test('errors: ORDER BY / HAVING on what is not grouped or aggregated', () => {
    const byYear = 'SELECT CALENDAR_YEAR(At__c), COUNT(Id) FROM Evt__c GROUP BY CALENDAR_YEAR(At__c)';
    const cases: [string, RegExp][] = [
      [
        'SELECT Name FROM Evt__c ORDER BY CALENDAR_YEAR(At__c)',
        /Column:34\nOrdered field must be grouped or aggregated: CALENDAR_YEAR\(At__c\)$/,
      ],
      [
        `${byYear} ORDER BY CALENDAR_MONTH(At__c)`,
        /Ordered field must be grouped or aggregated: CALENDAR_MONTH\(At__c\)$/,
      ],
      [`${byYear} ORDER BY Name`, /Ordered field must be grouped or aggregated: Name$/],
      [
        `${byYear} HAVING CALENDAR_MONTH(At__c) = 1`,
        /Field must be grouped or aggregated: CALENDAR_MONTH\(At__c\)$/,
      ],
      [`${byYear} HAVING Name = 'A'`, /Field must be grouped or aggregated: Name$/],
      [`${byYear} HAVING CALENDAR_YEAR(At__c) = THIS_YEAR`, /cannot be compared with date literals/],
    ];
    for (const [soql, message] of cases) {
      const e = soqlError(org, soql);
      assert.equal(e.errorCode, 'MALFORMED_QUERY', soql);
      assert.match(e.message, message, soql);
    }
    // SOQL's grammar only has HAVING after GROUP BY.
    const noGroup = soqlError(org, 'SELECT COUNT(Id) FROM Evt__c HAVING COUNT(Id) > 1');
    assert.equal(noGroup.errorCode, 'MALFORMED_QUERY');
    assert.match(noGroup.message, /Column:30\nunexpected token: 'HAVING'$/);
    const quoted = soqlError(org, `${byYear} HAVING COUNT(Id) > '1'`);
    assert.equal(quoted.errorCode, 'INVALID_FIELD');
    assert.match(
      quoted.message,
      /'COUNT\(Id\)' must be of type integer and should not be enclosed in quotes/,
    );
  });

  test('Bulk 2.0 accepts a date function in WHERE', () => {
    const bulk = org.bulkQuery('SELECT Name FROM Evt__c WHERE CALENDAR_QUARTER(At__c) = 2');
    assert.deepEqual([...bulk.rows()], [['B']]);
  });

  test('errors: non-date fields, date literals, wrong literal types, ungrouped SELECT', () => {
    const onString = soqlError(org, 'SELECT Id FROM Evt__c WHERE CALENDAR_YEAR(Name) = 2024');
    assert.equal(onString.errorCode, 'MALFORMED_QUERY');
    assert.match(onString.message, /ERROR at Row:1:Column:29\n.*CALENDAR_YEAR.*Name is of type string/);

    const hourOfDate = soqlError(org, 'SELECT Id FROM Evt__c WHERE HOUR_IN_DAY(Day__c) = 1');
    assert.match(hourOfDate.message, /HOUR_IN_DAY\(\) can only be used with dateTime fields/);
    const dayOnlyOfDate = soqlError(org, 'SELECT Id FROM Evt__c WHERE DAY_ONLY(Day__c) = 2024-01-01');
    assert.match(dayOnlyOfDate.message, /DAY_ONLY\(\) can only be used with dateTime fields/);
    const convertDate = soqlError(
      org,
      'SELECT Id FROM Evt__c WHERE CALENDAR_YEAR(convertTimezone(Day__c)) = 1',
    );
    assert.match(convertDate.message, /convertTimezone\(\) can only be applied to a dateTime field/);

    const literal = soqlError(org, 'SELECT Id FROM Evt__c WHERE CALENDAR_YEAR(At__c) = THIS_YEAR');
    assert.equal(literal.errorCode, 'MALFORMED_QUERY');
    assert.match(literal.message, /cannot be compared with date literals/);

    const quoted = soqlError(org, "SELECT Id FROM Evt__c WHERE CALENDAR_YEAR(At__c) = '2024'");
    assert.equal(quoted.errorCode, 'INVALID_FIELD');
    assert.match(quoted.message, /must be of type integer and should not be enclosed in quotes/);
    const notADate = soqlError(org, 'SELECT Id FROM Evt__c WHERE DAY_ONLY(At__c) = 5');
    assert.equal(notADate.errorCode, 'INVALID_FIELD');
    assert.match(notADate.message, /'DAY_ONLY\(At__c\)' must be of type date/);

    const unknown = soqlError(org, 'SELECT Id FROM Evt__c WHERE CALENDAR_YEAR(Nope__c) = 2024');
    assert.equal(unknown.errorCode, 'INVALID_FIELD');
    assert.match(unknown.message, /No such column 'Nope__c' on entity 'Evt__c'/);

    const ungrouped = soqlError(org, 'SELECT CALENDAR_YEAR(At__c) FROM Evt__c');
    assert.equal(ungrouped.errorCode, 'MALFORMED_QUERY');
    assert.match(ungrouped.message, /Field must be grouped or aggregated: CALENDAR_YEAR\(At__c\)/);
    const otherGroup = soqlError(
      org,
      'SELECT CALENDAR_YEAR(At__c), COUNT(Id) FROM Evt__c GROUP BY CALENDAR_MONTH(At__c)',
    );
    assert.match(otherGroup.message, /Field must be grouped or aggregated: CALENDAR_YEAR\(At__c\)/);
  });
});

describe('convertTimezone() and the fiscal year', () => {
  let org: SimOrg;
  before(async () => {
    // "Now" is mid-May 2024 for the relative date literals.
    org = await eventOrg('2024-05-15T12:00:00Z');
  });
  after(() => org.close());

  test("convertTimezone() reads in the integration user's time zone, daylight saving included", () => {
    // The seed's integration user is on GMT: converting changes nothing.
    assert.deepEqual(names(org, 'CALENDAR_YEAR(convertTimezone(At__c)) = 2024'), ['A', 'B', 'C']);
    setUserTimeZone(org, 'America/Los_Angeles');
    assert.deepEqual(names(org, 'CALENDAR_YEAR(convertTimezone(At__c)) = 2024'), ['A', 'B', 'C', 'E']);
    assert.deepEqual(names(org, 'DAY_ONLY(convertTimezone(At__c)) = 2024-12-31'), ['C', 'E']);
    assert.deepEqual(names(org, 'DAY_ONLY(convertTimezone(At__c)) = 2024-03-31'), ['A', 'B']);
    // B is 23:15 under PDT (-7), E is 23:00 under PST (-8).
    assert.deepEqual(names(org, 'HOUR_IN_DAY(convertTimezone(At__c)) = 23'), ['B', 'E']);
    assert.deepEqual(names(org, 'HOUR_IN_DAY(convertTimezone(At__c)) = 16'), ['A']);
    // Without convertTimezone() the functions stay in UTC.
    assert.deepEqual(names(org, 'CALENDAR_YEAR(At__c) = 2024'), ['A', 'B', 'C']);
    const grouped = org
      .query(
        'SELECT HOUR_IN_DAY(convertTimezone(At__c)) h, COUNT(Id) n FROM Evt__c WHERE At__c != null ' +
          'GROUP BY HOUR_IN_DAY(convertTimezone(At__c))',
      )
      .records.map((r) => [r.h, r.n])
      .sort((a, b) => Number(a[0]) - Number(b[0]));
    assert.deepEqual(grouped, [
      [15, 1],
      [16, 1],
      [23, 2],
    ]);
  });

  test('FISCAL_*() follow the Organization fiscal year settings', () => {
    org.mutate({
      object: 'Organization',
      ops: [{ op: 'update', ids: [org.orgId], set: { FiscalYearStartMonth: 4 } }],
    });
    // FY starts in April, named after the year it ends in (Salesforce's default).
    assert.deepEqual(names(org, 'FISCAL_YEAR(At__c) = 2025'), ['B', 'C', 'E']);
    assert.deepEqual(names(org, 'FISCAL_YEAR(At__c) = 2024'), ['A']);
    assert.deepEqual(names(org, 'FISCAL_MONTH(At__c) = 1'), ['B']);
    assert.deepEqual(names(org, 'FISCAL_QUARTER(At__c) = 4'), ['A', 'E']);
    assert.deepEqual(names(org, 'FISCAL_QUARTER(Day__c) = 3'), ['C']);
    // FISCAL date literals follow the same year: FY2025 is April 2024 – March 2025.
    assert.deepEqual(names(org, 'At__c = THIS_FISCAL_YEAR'), ['B', 'C', 'E']);
    assert.deepEqual(names(org, 'At__c = THIS_FISCAL_QUARTER'), ['B']);
    assert.deepEqual(names(org, 'At__c = LAST_FISCAL_QUARTER'), ['A']);
    assert.deepEqual(names(org, 'Day__c = LAST_N_FISCAL_QUARTERS:1'), ['A']);
    assert.deepEqual(names(org, 'At__c < THIS_FISCAL_YEAR'), ['A']);
    // Calendar literals do not move with it.
    assert.deepEqual(names(org, 'At__c = THIS_YEAR'), ['A', 'B', 'C']);
    assert.deepEqual(names(org, 'At__c = N_QUARTERS_AGO:1'), ['A']);
    assert.deepEqual(names(org, 'At__c = N_MONTHS_AGO:1'), ['B']);
    assert.deepEqual(names(org, 'Day__c = NEXT_N_QUARTERS:3'), ['C', 'E']);
    org.mutate({
      object: 'Organization',
      ops: [{ op: 'update', ids: [org.orgId], set: { UsesStartDateAsFiscalYearName: true } }],
    });
    assert.deepEqual(names(org, 'FISCAL_YEAR(At__c) = 2024'), ['B', 'C', 'E']);
    assert.deepEqual(names(org, 'FISCAL_YEAR(At__c) = 2023'), ['A']);
  });
});
