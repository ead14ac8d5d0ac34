/**
 * How long the embedded PostgreSQL takes a process: first start of a new home (initdb + start), a later
 * start of an existing home, and joining a server another process already runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '../service/src/logger.js';
import { acquireEmbeddedPostgres } from '../service/src/store/postgres/embedded-server.js';
import type { BenchResult } from './bench-result.js';

export async function run(): Promise<BenchResult[]> {
  const home = mkdtempSync(path.join(tmpdir(), 'bench-pg-'));
  const logger = createLogger('warn');
  try {
    let t = performance.now();
    const first = await acquireEmbeddedPostgres({ home, logger });
    const coldMs = performance.now() - t;
    await first.release();

    t = performance.now();
    const second = await acquireEmbeddedPostgres({ home, logger });
    const warmMs = performance.now() - t;

    // Joining: the server is running (held by `second`); a new registration only connects.
    t = performance.now();
    const joined = await acquireEmbeddedPostgres({ home, logger });
    const joinMs = performance.now() - t;
    await joined.release();
    await second.release();
    return [
      { name: 'first start of a new home (initdb + start)', value: Math.round(coldMs), unit: 'ms' },
      { name: 'start of an existing home', value: Math.round(warmMs), unit: 'ms' },
      {
        name: 'join a running shared server',
        value: Math.round(joinMs),
        unit: 'ms',
        goal: '< 500 ms',
        met: joinMs < 500,
      },
    ];
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
