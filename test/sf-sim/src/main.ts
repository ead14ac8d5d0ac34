/**
 * `npm run sim -- [--port N] [--seed small|demo] [--records N] [--org-id ID] [--state-dir DIR] [--churn N]`
 * Runs the org simulator in the foreground; prints the one-line JSON start object of
 * docs/CONTRACTS.md on stdout and stops cleanly on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startSimulator, type SimulatorOptions } from './index.js';

const USAGE =
  'usage: npm run sim -- [--port N] [--seed small|demo] [--records N] [--org-id ID] [--state-dir DIR] [--churn N]';

class UsageError extends Error {}

function integer(
  flag: string,
  value: string | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${flag} must be an integer between ${min} and ${max}, got "${value}"`);
  }
  return Number(value);
}

export function parseSimArgs(argv: string[]): SimulatorOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        seed: { type: 'string' },
        records: { type: 'string' },
        'org-id': { type: 'string' },
        'state-dir': { type: 'string' },
        churn: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) throw new UsageError('');
  const seed = v.seed ?? 'small';
  if (seed !== 'small' && seed !== 'demo' && seed !== 'none') {
    throw new UsageError(`--seed must be "small" or "demo" (or "none"), got "${seed}"`);
  }
  const orgId = v['org-id'];
  if (orgId !== undefined && !/^00D[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?$/.test(orgId)) {
    throw new UsageError(`--org-id must be a 15- or 18-character org id starting with 00D, got "${orgId}"`);
  }
  const stateDir = v['state-dir'];
  if (stateDir !== undefined && stateDir.trim() === '')
    throw new UsageError('--state-dir must name a directory');
  const opts: SimulatorOptions = { seed };
  const port = integer('port', v.port, 0, 65535);
  const records = integer('records', v.records, 0);
  const churn = integer('churn', v.churn, 0);
  if (port !== undefined) opts.port = port;
  if (records !== undefined) opts.records = records;
  if (churn !== undefined) opts.churn = churn;
  if (orgId !== undefined) opts.orgId = orgId;
  if (stateDir !== undefined) opts.stateDir = stateDir;
  return opts;
}

async function main(): Promise<void> {
  let opts: SimulatorOptions;
  try {
    opts = parseSimArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (err.message) console.error(`sf-sim: ${err.message}`);
    console.error(USAGE);
    process.exit(err.message ? 2 : 0);
  }
  const sim = await startSimulator(opts);
  process.stdout.write(JSON.stringify(sim.startLine()) + '\n');
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.error(`sf-sim: ${signal} received, stopping`);
    sim.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('sf-sim: error while stopping:', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/sf-sim/src/main.ts')) {
  main().catch((err: unknown) => {
    console.error('sf-sim: failed to start:', err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
