import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { Lifecycle } from '../src/lifecycle.js';
import { createLogger } from '../src/logger.js';
import { REPO_ROOT } from './support/shared-test-postgres.js';

/** Runs the slow-shutdown fixture, sends it `signals` SIGINTs 50 ms apart once ready; its exit code and output. */
async function interrupt(signals: number): Promise<{ code: number | null; stdout: string }> {
  const fixture = path.join(REPO_ROOT, 'service/test/fixtures/slow-shutdown.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  const ready = new Promise<void>((resolve) =>
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('ready')) resolve();
    }),
  );
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await ready;
  for (let i = 0; i < signals; i++) {
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { code: await exit, stdout };
}

test(
  'a repeated Ctrl-C does not cut the clean stop short; four of them do',
  { timeout: 60_000 },
  async () => {
    const twice = await interrupt(2);
    assert.equal(twice.code, 130);
    assert.match(twice.stdout, /step done/, 'the shutdown step ran to its end');
    const forced = await interrupt(4);
    assert.equal(forced.code, 130);
    assert.doesNotMatch(forced.stdout, /step done/, 'forced out before the slow step finished');
  },
);

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

test(
  'a step that outlasts the shutdown deadline is left behind, and the steps after it still run',
  { timeout: 10_000 },
  async () => {
    const lifecycle = new Lifecycle(createLogger('silent'), 200, 200);
    const ran: string[] = [];
    // Registered first, run last: what releases the database.
    lifecycle.onShutdown('close-database', () => void ran.push('close-database'));
    lifecycle.onShutdown('stuck-after-deadline', () => new Promise<void>(() => undefined));
    lifecycle.onShutdown('backup-work', () => new Promise<void>(() => undefined));
    const started = Date.now();
    const keepAlive = setInterval(() => undefined, 1_000); // the deadlines' timers do not hold the process open
    await lifecycle.shutdown();
    clearInterval(keepAlive);
    assert.deepEqual(ran, ['close-database'], 'the database is still released');
    const took = Date.now() - started;
    assert.ok(took >= 400 && took < 3_000, `deadline plus one late step's grace (${took} ms)`);
  },
);
