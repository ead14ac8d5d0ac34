import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Lifecycle } from '../src/lifecycle.js';
import { createLogger } from '../src/logger.js';

test(
  'shutdown ends every pause at once and runs the steps last-registered first',
  { timeout: 10_000 },
  async () => {
    const lifecycle = new Lifecycle(createLogger('silent'));
    const order: string[] = [];
    lifecycle.onShutdown('first', () => void order.push('first'));
    lifecycle.onShutdown('second', () => void order.push('second'));
    let woke = false;
    const pausing = lifecycle.pause(3_600_000).then(() => (woke = true));
    await Promise.resolve();
    assert.equal(woke, false, 'a pause lasts while nothing stops it');
    assert.equal(lifecycle.stopping, false);
    await lifecycle.shutdown();
    await pausing; // would hang for an hour if shutdown did not end it
    assert.equal(woke, true);
    assert.equal(lifecycle.stopping, true);
    assert.deepEqual(order, ['second', 'first']);
    await lifecycle.pause(3_600_000); // once stopping, a pause returns at once
  },
);
