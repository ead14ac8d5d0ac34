import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_QUERY_SUBREQUESTS, MAX_SUBREQUESTS, packSubrequests } from '../../src/salesforce/composite.js';

const subs = (queries: number, others: number): Array<{ id: string; query?: boolean }> => [
  ...Array.from({ length: queries }, (_, i) => ({ id: `q${i}`, query: true })),
  ...Array.from({ length: others }, (_, i) => ({ id: `o${i}` })),
];

describe('packing subrequests into /composite calls', () => {
  test('as few calls as 25 subrequests and 5 queries a call allow, every subrequest once', () => {
    for (const [queries, others, calls] of [
      [0, 500, 20],
      [8, 492, 20],
      [30, 100, 6],
      [3, 2, 1],
      [0, 0, 0],
      [6, 0, 2],
    ] as const) {
      const packs = packSubrequests(subs(queries, others));
      assert.equal(packs.length, calls, `${queries} queries + ${others} others`);
      for (const pack of packs) {
        assert.ok(pack.length <= MAX_SUBREQUESTS);
        assert.ok(pack.filter((s) => s.query).length <= MAX_QUERY_SUBREQUESTS);
      }
      const ids = packs.flat().map((s) => s.id);
      assert.equal(new Set(ids).size, queries + others);
    }
  });
});
