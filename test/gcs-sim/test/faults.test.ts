import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Bucket } from '@google-cloud/storage';
import { startGcsSim, type GcsSim } from '../src/index.js';
import { sdkClient } from './sdk-client.js';

describe('gcs-sim fault injection', () => {
  let sim: GcsSim;
  let bucket: Bucket;

  before(async () => {
    sim = await startGcsSim();
    [bucket] = await sdkClient(sim.url).createBucket('faults');
    await bucket.file('present.txt').save('present');
  });
  after(() => sim.close());

  test('outage: every API request answers 503 with a JSON error until it is switched off', async () => {
    sim.setOutage(true);
    try {
      const res = await fetch(`${sim.url}/storage/v1/b/faults/o/present.txt`);
      assert.equal(res.status, 503);
      const body = (await res.json()) as { error: { code: number; message: string } };
      assert.equal(body.error.code, 503);
      assert.match(body.error.message, /outage/);
      const health = await fetch(`${sim.url}/__gcs-sim/health`);
      assert.equal(health.status, 200, 'admin endpoints stay reachable during an outage');
    } finally {
      sim.setOutage(false);
    }
    const res = await fetch(`${sim.url}/storage/v1/b/faults/o/present.txt`);
    assert.equal(res.status, 200);
  });

  test('the SDK retries through an outage and succeeds once it ends', async () => {
    const client = sdkClient(sim.url);
    sim.setOutage(true);
    const before = sim.stats().faultsInjected;
    const ended = new Promise<void>((resolve) =>
      setTimeout(() => {
        sim.setOutage(false);
        resolve();
      }, 300),
    );
    const [data] = await client.bucket('faults').file('present.txt').download();
    await ended;
    assert.equal(data.toString(), 'present');
    assert.ok(sim.stats().faultsInjected > before, 'at least one request hit the outage');
  });

  test('a counted rule fails exactly that many matching requests, then the SDK gets through', async () => {
    sim.injectErrors([{ path: '/o/present\\.txt', status: 429, count: 2 }]);
    const before = sim.stats().faultsInjected;
    const [meta] = await sdkClient(sim.url).bucket('faults').file('present.txt').getMetadata();
    assert.equal(meta.name, 'present.txt');
    assert.equal(sim.stats().faultsInjected - before, 2);
    sim.clearErrors();
  });

  test('a reset rule drops the connection; the SDK retries the preconditioned upload', async () => {
    sim.injectErrors([{ path: '^/upload/', action: 'reset', count: 1 }]);
    const file = sdkClient(sim.url).bucket('faults').file('after-reset.txt');
    await file.save('made it', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    assert.equal((await bucket.file('after-reset.txt').download())[0].toString(), 'made it');
    sim.clearErrors();
  });

  test('without retries an injected 500 reaches the caller', async () => {
    sim.injectErrors([{ path: '/o/present\\.txt', method: 'GET', status: 500, count: 1 }]);
    await assert.rejects(
      sdkClient(sim.url, { autoRetry: false }).bucket('faults').file('present.txt').getMetadata(),
      (err: unknown) => {
        assert.equal((err as { code?: number }).code, 500);
        return true;
      },
    );
    sim.clearErrors();
  });

  test('admin HTTP API: add rules, list them with hits, reject bad rules with a reason, clear', async () => {
    const add = await fetch(`${sim.url}/__gcs-sim/errors`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ rules: [{ path: '/o/present', status: 503, count: 1 }] }),
    });
    assert.equal(add.status, 200);
    assert.equal((await fetch(`${sim.url}/storage/v1/b/faults/o/present.txt`)).status, 503);
    assert.equal((await fetch(`${sim.url}/storage/v1/b/faults/o/present.txt`)).status, 200);
    const listed = (await (await fetch(`${sim.url}/__gcs-sim/errors`)).json()) as {
      rules: Array<{ hits: number; remaining: number }>;
    };
    assert.deepEqual(
      listed.rules.map((r) => [r.hits, r.remaining]),
      [[1, 0]],
    );
    const bad = await fetch(`${sim.url}/__gcs-sim/errors`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ rules: [{ path: '(', status: 503 }] }),
    });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /regular expression/);
    const cleared = (await (await fetch(`${sim.url}/__gcs-sim/errors`, { method: 'DELETE' })).json()) as {
      rules: unknown[];
    };
    assert.deepEqual(cleared.rules, []);

    const outage = await fetch(`${sim.url}/__gcs-sim/outage`, {
      method: 'POST',
      body: JSON.stringify({ enabled: true }),
    });
    assert.deepEqual(await outage.json(), { enabled: true });
    assert.equal((await fetch(`${sim.url}/storage/v1/b/faults`)).status, 503);
    await fetch(`${sim.url}/__gcs-sim/outage`, { method: 'POST', body: JSON.stringify({ enabled: false }) });
    assert.equal((await fetch(`${sim.url}/storage/v1/b/faults`)).status, 200);
    const badOutage = await fetch(`${sim.url}/__gcs-sim/outage`, {
      method: 'POST',
      body: JSON.stringify({ enabled: 'yes' }),
    });
    assert.equal(badOutage.status, 400);
  });

  test('injectErrors rejects a malformed rule with a message naming the problem', () => {
    assert.throws(() => sim.injectErrors([{ path: 'x', status: 200 }]), /status/);
    assert.throws(() => sim.injectErrors([{ path: 'x', rate: 2 }]), /rate/);
  });
});
