import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RecordCountCache } from '../../src/salesforce/record-counts.js';

describe('record counts asked once for many objects', () => {
  test('objects asking together cost one call; one that was not asked for asks again; a failed ask is forgotten', async () => {
    const cache = new RecordCountCache();
    const calls: string[][] = [];
    let fail = false;
    const ask = async (names: string[]) => {
      calls.push(names);
      if (fail) throw new Error('REQUEST_LIMIT_EXCEEDED');
      return new Map(names.map((n, i) => [n, (i + 1) * 1000]));
    };
    const backfilling = async () => ['Lead', 'Task'];
    const counts = await Promise.all(['Lead', 'Task', 'Lead'].map((n) => cache.countOf(n, backfilling, ask)));
    assert.deepEqual(counts, [1000, 2000, 1000]);
    assert.equal(calls.length, 1, 'one call for every object then backfilling');

    assert.equal(await cache.countOf('Case', backfilling, ask), 1000, 'Case was not asked for: it asks');
    assert.equal(calls.length, 2);
    assert.deepEqual(calls[1], ['Case', 'Lead', 'Task']);

    fail = true;
    const stale = new RecordCountCache(0);
    await assert.rejects(stale.countOf('Lead', backfilling, ask), /REQUEST_LIMIT_EXCEEDED/);
    fail = false;
    assert.equal(await stale.countOf('Lead', backfilling, ask), 1000, 'asked again after the failure');
  });
});
