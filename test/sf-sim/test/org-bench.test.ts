import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createOrg } from '../src/org/create-org.js';
import type { SimOrg, JsonRecord } from '../src/org/api.js';

const ROWS = 1_000_000;

function toLiteral(restDateTime: string): string {
  return restDateTime.replace('.000+0000', 'Z');
}

function pages(org: SimOrg, soql: string, scanAll = false): { total: number; records: JsonRecord[] } {
  let page = org.query(soql, { scanAll });
  const records = [...page.records];
  while (page.nextLocator) {
    page = org.queryMore(page.nextLocator);
    records.push(...page.records);
  }
  return { total: page.totalSize, records };
}

describe('Bench__c: a million generated rows behind an ordered index', () => {
  let org: SimOrg;
  let heapBefore: number;
  before(async () => {
    heapBefore = process.memoryUsage().heapUsed;
    org = await createOrg({ seed: 'none', seedValue: 'bench', records: ROWS });
  });
  after(() => org.close());

  test('the object exists with 30 fields of mixed types and a million rows, without holding them in memory', () => {
    const fields = org.describe('Bench__c').body.fields as { type: string }[];
    assert.equal(fields.length, 30);
    assert.ok(new Set(fields.map((f) => f.type)).size >= 12);
    assert.equal(org.query('SELECT COUNT() FROM Bench__c').totalSize, ROWS);
    assert.ok(process.memoryUsage().heapUsed - heapBefore < 150 * 1024 * 1024);
  });

  test('SystemModstamp range pages agree with a (SystemModstamp, Id) cursor walk, ties included', () => {
    const first = org.query('SELECT Id, SystemModstamp FROM Bench__c ORDER BY SystemModstamp, Id LIMIT 1')
      .records[0]!;
    const probe = org.query(
      `SELECT Id, SystemModstamp FROM Bench__c WHERE SystemModstamp > ${toLiteral(String(first.SystemModstamp))} ORDER BY SystemModstamp, Id LIMIT 1 OFFSET 2000`,
    ).records[0]!;
    const from = String(probe.SystemModstamp);
    const fromMs = Date.parse(from.replace('+0000', 'Z'));
    const to = new Date(fromMs + 3 * 86_400_000).toISOString().replace('.000Z', 'Z');
    const window = `SystemModstamp >= ${toLiteral(from)} AND SystemModstamp < ${to}`;
    const byLocator = pages(
      org,
      `SELECT Id, Name, SystemModstamp FROM Bench__c WHERE ${window} ORDER BY SystemModstamp, Id`,
    );
    assert.ok(byLocator.records.length > 2000, `window has ${byLocator.records.length} rows`);
    assert.equal(byLocator.total, byLocator.records.length);
    assert.equal(org.query(`SELECT COUNT() FROM Bench__c WHERE ${window}`).totalSize, byLocator.total);
    const modstamps = byLocator.records.map((r) => String(r.SystemModstamp));
    assert.ok(new Set(modstamps).size < modstamps.length, 'rows share seconds');
    assert.ok(modstamps.every((m) => m >= from && m < to.replace('Z', '.000+0000')));
    const walked: string[] = [];
    let cursor: { sm: string; id: string } | null = null;
    for (;;) {
      const after: string = cursor
        ? ` AND (SystemModstamp > ${cursor.sm} OR (SystemModstamp = ${cursor.sm} AND Id > '${cursor.id}'))`
        : '';
      const page = org.query(
        `SELECT Id, SystemModstamp FROM Bench__c WHERE ${window}${after} ORDER BY SystemModstamp ASC, Id ASC LIMIT 250`,
      );
      if (page.records.length === 0) break;
      walked.push(...page.records.map((r) => String(r.Id)));
      const last = page.records.at(-1)!;
      cursor = { sm: toLiteral(String(last.SystemModstamp)), id: String(last.Id) };
    }
    assert.deepEqual(
      walked,
      byLocator.records.map((r) => String(r.Id)),
    );
  });

  test('Id ranges and Id order use the index; rows are generated the same way every time', () => {
    const head = org.query(
      'SELECT Id, Name, Amount__c, Moment__c, Notes__c FROM Bench__c ORDER BY Id LIMIT 3',
    ).records;
    const again = org.query(
      `SELECT Id, Name, Amount__c, Moment__c, Notes__c FROM Bench__c WHERE Id >= '${String(head[0]!.Id)}' AND Id <= '${String(head[2]!.Id)}' ORDER BY Id`,
    ).records;
    assert.deepEqual(again, head);
    const tail = org.query(
      `SELECT Id, Name FROM Bench__c WHERE Id > '${String(head[0]!.Id)}' ORDER BY Id LIMIT 2`,
    ).records;
    assert.deepEqual(
      tail.map((r) => r.Id),
      head.slice(1).map((r) => r.Id),
    );
  });

  test('changes to generated rows live in an overlay: updates move, deletes hide, queryAll shows them', () => {
    const [a, b] = org.query('SELECT Id, SystemModstamp FROM Bench__c ORDER BY Id LIMIT 2').records;
    org.clock.advance(1000);
    const res = org.mutate({
      object: 'Bench__c',
      ops: [
        { op: 'update', ids: [String(a!.Id)], set: { Text_1__c: 'changed' } },
        { op: 'delete', ids: [String(b!.Id)] },
      ],
    });
    assert.equal(org.query('SELECT COUNT() FROM Bench__c').totalSize, ROWS - 1);
    assert.equal(org.query('SELECT COUNT() FROM Bench__c', { scanAll: true }).totalSize, ROWS);
    const newest = org.query(
      `SELECT Id, Text_1__c, IsDeleted FROM Bench__c WHERE SystemModstamp >= ${toLiteral(res.systemModstamp)} ORDER BY SystemModstamp, Id`,
      { scanAll: true },
    ).records;
    assert.deepEqual(
      newest.map((r) => [r.Id, r.IsDeleted]).sort(),
      [
        [a!.Id, false],
        [b!.Id, true],
      ].sort(),
    );
    assert.equal(newest.find((r) => r.Id === a!.Id)!.Text_1__c, 'changed');
    const oldSecond = org
      .query(`SELECT Id FROM Bench__c WHERE SystemModstamp = ${toLiteral(String(a!.SystemModstamp))}`)
      .records.map((r) => r.Id);
    assert.ok(!oldSecond.includes(a!.Id), 'the updated row left its old second');
    assert.equal(org.query(`SELECT Id FROM Bench__c WHERE Id = '${String(a!.Id)}'`).records.length, 1);
    org.clock.advance(120_000);
    const updated = org.getUpdated(
      'Bench__c',
      new Date(Date.parse(res.systemModstamp.replace('+0000', 'Z')) - 60_000).toISOString(),
      new Date(org.clock.nowMs() + 120_000).toISOString(),
    );
    assert.deepEqual(updated.ids, [String(a!.Id)]);
  });

  test('Bulk 2.0 rows stream as CSV-ready strings in SELECT order', () => {
    const q = org.bulkQuery(
      'SELECT Id, Name, SystemModstamp, Flag_1__c, Amount__c, Day__c, Owner.Name FROM Bench__c WHERE SystemModstamp < 2000-01-01T00:00:00Z',
    );
    assert.deepEqual(q.columns, [
      'Id',
      'Name',
      'SystemModstamp',
      'Flag_1__c',
      'Amount__c',
      'Day__c',
      'Owner.Name',
    ]);
    assert.equal([...q.rows()].length, 0);
    const some = org.bulkQuery(
      'SELECT Id, SystemModstamp, Flag_1__c, Amount__c, Day__c FROM Bench__c LIMIT 5',
    );
    const rows = [...some.rows()];
    assert.equal(rows.length, 5);
    for (const r of rows) {
      assert.match(String(r[1]), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
      assert.ok(r[2] === 'true' || r[2] === 'false');
      assert.match(String(r[4]), /^\d{4}-\d\d-\d\d$/);
    }
  });
});
