import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type Simulator } from '../src/index.js';
import { admin, api, clientCredentialsToken } from './support/sim-client.js';

/**
 * The concurrent long-running request limit: while the limit's worth of API requests have run
 * for the long-request threshold, new API requests get 403 REQUEST_LIMIT_EXCEEDED
 * "ConcurrentPerOrgLongTxn Limit exceeded." Requests are held open with a hang fault and made
 * long by moving the simulated clock (or by a small real-time threshold), so nothing waits 20 s.
 */
interface LongRequests {
  limit: number;
  longRequestMs: number;
  running: number;
  long: number;
  refused: number;
}

describe('sf-sim wire: concurrent long-running request limit', () => {
  let sim: Simulator;
  let call: ReturnType<typeof api>;

  async function longRequests(): Promise<LongRequests> {
    return ((await admin(sim, 'GET', 'stats')) as { longRequests: LongRequests }).longRequests;
  }

  /** Starts `n` requests that hang on a fault rule until the rules are deleted. */
  async function holdRequests(n: number): Promise<Array<Promise<Response>>> {
    await admin(sim, 'POST', 'faults', { rules: [{ path: '/limits$', action: 'hang' }] });
    const already = (await longRequests()).running;
    const held = Array.from({ length: n }, () => call('limits'));
    for (let i = 0; i < 200 && (await longRequests()).running < already + n; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal((await longRequests()).running, already + n, 'the held requests reached the server');
    return held;
  }

  async function releaseAll(held: Array<Promise<Response>>): Promise<void> {
    await admin(sim, 'DELETE', 'faults');
    for (const res of await Promise.all(held)) assert.equal(res.status, 200);
  }

  before(async () => {
    sim = await startSimulator({ seed: 'none' });
    call = api(sim, await clientCredentialsToken(sim));
  });
  after(async () => {
    await sim.close();
  });

  test('defaults are a production org: 25 requests of 20 s or more', async () => {
    const stats = await longRequests();
    assert.equal(stats.limit, 25);
    assert.equal(stats.longRequestMs, 20_000);
  });

  test('running requests that are not long yet do not block; once long, the next request is refused', async () => {
    const set = (await admin(sim, 'POST', 'limits', { concurrentLongRequests: 2 })) as Record<
      string,
      unknown
    >;
    assert.equal(set.concurrentLongRequests, 2);
    const held = await holdRequests(2);
    try {
      assert.equal((await call('sobjects')).status, 200, 'two short requests running leave room');
      await admin(sim, 'POST', 'clock', { advanceMs: 20_000 });
      assert.equal((await longRequests()).long, 2);
      const refused = await call('sobjects');
      assert.equal(refused.status, 403);
      assert.deepEqual(await refused.json(), [
        { message: 'ConcurrentPerOrgLongTxn Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
      ]);
      // The admin API is not an org API request: it still answers.
      const stats = await longRequests();
      assert.equal(stats.refused, 1);
      const byKind = (await admin(sim, 'GET', 'stats')) as { uncounted: Record<string, number> };
      assert.equal(byKind.uncounted['refused:concurrentLongRequests'], 1);
    } finally {
      await releaseAll(held);
    }
    assert.equal((await longRequests()).running, 0);
    assert.equal((await call('sobjects')).status, 200, 'served again once the long requests ended');
  });

  test('the threshold is configurable and real running time counts too', async () => {
    await admin(sim, 'POST', 'limits', { concurrentLongRequests: 1, longRequestMs: 50 });
    const held = await holdRequests(1);
    try {
      await new Promise((r) => setTimeout(r, 120));
      assert.equal((await call('sobjects')).status, 403);
    } finally {
      await releaseAll(held);
    }
    assert.equal((await call('sobjects')).status, 200);
    await admin(sim, 'POST', 'limits', { concurrentLongRequests: 25, longRequestMs: 20_000 });
  });

  test('bad limit settings are refused with a message naming the field', async () => {
    for (const [body, field] of [
      [{ concurrentLongRequests: 0 }, 'concurrentLongRequests'],
      [{ concurrentLongRequests: 2.5 }, 'concurrentLongRequests'],
      [{ longRequestMs: -1 }, 'longRequestMs'],
      [{ longRequestMs: 'soon' }, 'longRequestMs'],
    ] as const) {
      const res = await fetch(`${sim.url}/__sim/limits`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { error: string }).error, new RegExp(field));
    }
  });
});
