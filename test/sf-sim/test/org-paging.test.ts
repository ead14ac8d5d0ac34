import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createOrg } from '../src/org/create-org.js';
import { SimError, type SimOrg } from '../src/org/api.js';

/** Creates `n` Tie__c records in one second each for the given group sizes, advancing the clock between groups. */
function createGroups(org: SimOrg, sizes: number[]): string[] {
  const ids: string[] = [];
  let k = 0;
  for (const size of sizes) {
    const records = Array.from({ length: size }, () => ({ Name: `tie ${k++}` }));
    ids.push(...org.mutate({ object: 'Tie__c', ops: [{ op: 'create', records }], sameSecond: true }).created);
    org.clock.advance(1000);
  }
  return ids;
}

describe('paging and SystemModstamp ties', () => {
  let org: SimOrg;
  let ids: string[];
  before(async () => {
    org = await createOrg({ seed: 'none', seedValue: 'paging' });
    org.addSchema({ object: 'Tie__c', fields: [{ name: 'Weight__c', type: 'double' }] });
    ids = createGroups(org, [3, 450, 1, 260, 7, 1300]);
  });
  after(() => org.close());

  test('a (SystemModstamp, Id) cursor across LIMIT pages never skips or repeats tied rows', () => {
    const seen: string[] = [];
    let cursor: { sm: string; id: string } | null = null;
    for (let guard = 0; guard < 100; guard++) {
      const where: string = cursor
        ? ` WHERE SystemModstamp > ${cursor.sm} OR (SystemModstamp = ${cursor.sm} AND Id > '${cursor.id}')`
        : '';
      const page = org.query(
        `SELECT Id, SystemModstamp FROM Tie__c${where} ORDER BY SystemModstamp ASC, Id ASC LIMIT 200`,
      );
      if (page.records.length === 0) break;
      for (const r of page.records) seen.push(String(r.Id));
      const last = page.records[page.records.length - 1]!;
      cursor = { sm: String(last.SystemModstamp).replace('.000+0000', 'Z'), id: String(last.Id) };
    }
    assert.equal(seen.length, ids.length);
    assert.equal(new Set(seen).size, ids.length);
    assert.deepEqual([...seen].sort(), [...ids].sort());
  });

  test('query locators page through ties in order; totalSize is stable; the last page has no locator', () => {
    let page = org.query('SELECT Id, SystemModstamp FROM Tie__c ORDER BY SystemModstamp, Id', {
      batchSize: 200,
    });
    assert.equal(page.totalSize, ids.length);
    assert.equal(page.records.length, 200);
    assert.match(page.nextLocator!, /^01g[A-Za-z0-9]{15}-200$/);
    const all = [...page.records];
    while (page.nextLocator) {
      page = org.queryMore(page.nextLocator, { batchSize: 200 });
      assert.equal(page.totalSize, ids.length);
      all.push(...page.records);
    }
    assert.equal(page.done, true);
    assert.equal('nextLocator' in page, false);
    assert.deepEqual(
      all.map((r) => String(r.Id)),
      [...ids].sort(),
    );
    for (let i = 1; i < all.length; i++)
      assert.ok(String(all[i - 1]!.SystemModstamp) <= String(all[i]!.SystemModstamp));
  });

  test('batch size is clamped to 200..2000 and defaults to 2000', () => {
    assert.equal(org.query('SELECT Id FROM Tie__c', { batchSize: 10 }).records.length, 200);
    assert.equal(org.query('SELECT Id FROM Tie__c').records.length, 2000);
  });

  test('a cursor is a snapshot: writes after the first page do not shift later pages', () => {
    const first = org.query('SELECT Id, Name FROM Tie__c ORDER BY Id', { batchSize: 500 });
    org.mutate({ object: 'Tie__c', ops: [{ op: 'delete', ids: [ids[0]!] }] });
    const second = org.queryMore(first.nextLocator!, { batchSize: 500 });
    assert.equal(second.records[0]!.Id, [...ids].sort()[500]);
    org.mutate({ object: 'Tie__c', ops: [{ op: 'undelete', ids: [ids[0]!] }] });
  });

  test('open query locators are capped: the least recently used one is dropped', () => {
    const first = org.query('SELECT Id FROM Tie__c', { batchSize: 200 });
    const second = org.query('SELECT Id FROM Tie__c', { batchSize: 200 });
    for (let i = 0; i < 198; i++) org.query('SELECT Id FROM Tie__c', { batchSize: 200 });
    org.queryMore(second.nextLocator!, { batchSize: 200 });
    org.query('SELECT Id FROM Tie__c', { batchSize: 200 });
    assert.throws(
      () => org.queryMore(first.nextLocator!),
      (e: unknown) => e instanceof SimError && e.errorCode === 'INVALID_QUERY_LOCATOR',
    );
  });

  test('locators expire after 15 idle minutes of simulated time; unknown ones are rejected', () => {
    const first = org.query('SELECT Id FROM Tie__c', { batchSize: 200 });
    org.clock.advance(14 * 60_000);
    const second = org.queryMore(first.nextLocator!, { batchSize: 200 });
    assert.equal(second.done, false);
    org.clock.advance(16 * 60_000);
    assert.throws(
      () => org.queryMore(second.nextLocator!),
      (e: unknown) =>
        e instanceof SimError &&
        e.status === 400 &&
        e.errorCode === 'INVALID_QUERY_LOCATOR' &&
        e.message === 'invalid query locator',
    );
    assert.throws(
      () => org.queryMore('01gXXXXXXXXXXXXXXX-200'),
      (e: unknown) => e instanceof SimError && e.errorCode === 'INVALID_QUERY_LOCATOR',
    );
  });
});
