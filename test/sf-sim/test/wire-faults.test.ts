import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type Simulator } from '../src/index.js';
import { admin, api, clientCredentialsToken } from './support/sim-client.js';

/** Fault injection (`/__sim/faults`) seen from a plain HTTP client. */
describe('sf-sim wire: fault rules', () => {
  let sim: Simulator;
  let call: ReturnType<typeof api>;

  before(async () => {
    sim = await startSimulator({ seed: 'small' });
    call = api(sim, await clientCredentialsToken(sim));
  });
  after(async () => {
    await sim.close();
  });

  test('a status rule answers with its status and error code, as often as its count says', async () => {
    await admin(sim, 'POST', 'faults', { rules: [{ path: '/limits$', status: 500, count: 2 }] });
    for (let i = 0; i < 2; i++) {
      const res = await call('limits');
      assert.equal(res.status, 500);
      const [err] = (await res.json()) as Array<{ errorCode: string; message: string }>;
      assert.equal(err?.errorCode, 'UNKNOWN_EXCEPTION');
      assert.match(err?.message ?? '', /ErrorId/);
    }
    assert.equal((await call('limits')).status, 200);
    // Other paths were never affected.
    await admin(sim, 'POST', 'faults', { rules: [{ path: '/nothing-matches-this', status: 503 }] });
    assert.equal((await call('limits')).status, 200);
    await admin(sim, 'DELETE', 'faults');
  });

  test('an HTML 503 as a CDN or maintenance page sends it', async () => {
    await admin(sim, 'POST', 'faults', {
      rules: [{ path: '/sobjects', status: 503, format: 'html', count: 1 }],
    });
    const res = await call('sobjects');
    assert.equal(res.status, 503);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await res.text(), /<html>/);
  });

  test('a rate of 0 never fires; a rate of 1 always does', async () => {
    await admin(sim, 'POST', 'faults', { rules: [{ path: '/limits$', status: 503, rate: 0 }] });
    for (let i = 0; i < 5; i++) assert.equal((await call('limits')).status, 200);
    await admin(sim, 'DELETE', 'faults');
    await admin(sim, 'POST', 'faults', { rules: [{ path: '/limits$', status: 503, rate: 1 }] });
    for (let i = 0; i < 3; i++) assert.equal((await call('limits')).status, 503);
    await admin(sim, 'DELETE', 'faults');
  });

  test('a reset destroys the connection without an answer', async () => {
    await admin(sim, 'POST', 'faults', { rules: [{ path: '/limits$', action: 'reset' }] });
    try {
      await assert.rejects(call('limits'), /fetch failed|socket|ECONNRESET/i);
    } finally {
      await admin(sim, 'DELETE', 'faults');
    }
    assert.equal((await call('limits')).status, 200);
  });

  test('a hang never answers: the client gives up, or the request proceeds once the rule is deleted', async () => {
    await admin(sim, 'POST', 'faults', { rules: [{ path: '/limits$', action: 'hang' }] });
    await assert.rejects(call('limits', { signal: AbortSignal.timeout(300) }), /aborted|timeout/i);
    const pending = call('limits');
    let settled = false;
    void pending.finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(settled, false, 'still hanging while the rule exists');
    await admin(sim, 'DELETE', 'faults');
    assert.equal((await pending).status, 200);
  });

  test('a delay rule slows a request down and then serves it normally', async () => {
    await admin(sim, 'POST', 'faults', { rules: [{ path: '/limits$', delayMs: 150, count: 1 }] });
    const res = await call('limits');
    assert.equal(res.status, 200);
    const stats = (await admin(sim, 'GET', 'stats')) as { uncounted: Record<string, number> };
    assert.equal(stats.uncounted['fault:delay'], 1);
  });
});

describe('sf-sim wire: fault rates are deterministic by seed', () => {
  /** Which of `n` requests a `rate: 0.5` rule fails on a fresh simulator of this seed value. */
  async function failurePattern(seedValue: string, n: number): Promise<string> {
    const sim = await startSimulator({ seed: 'none', seedValue });
    try {
      const call = api(sim, await clientCredentialsToken(sim));
      await admin(sim, 'POST', 'faults', { rules: [{ path: '/limits$', status: 503, rate: 0.5 }] });
      let pattern = '';
      for (let i = 0; i < n; i++) {
        // Requests the rule does not match draw nothing, so they do not shift the pattern.
        assert.equal((await call('sobjects')).status, 200);
        pattern += (await call('limits')).status === 503 ? 'x' : '.';
      }
      return pattern;
    } finally {
      await sim.close();
    }
  }

  test('two simulators with the same seed and requests fail the same requests; another seed differs', async () => {
    const a = await failurePattern('faulty', 40);
    const b = await failurePattern('faulty', 40);
    assert.equal(a, b);
    assert.match(a, /x/, 'some requests fail');
    assert.match(a, /\./, 'some requests pass');
    assert.notEqual(await failurePattern('other', 40), a);
  });
});
