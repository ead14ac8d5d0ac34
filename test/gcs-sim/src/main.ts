/**
 * `npm run gcs-sim -- [--port N] [--dir DIR]`: runs the GCS simulator in the foreground and prints
 * `{"url":"http://127.0.0.1:PORT"}` as one line on stdout once it listens.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startGcsSim } from './index.js';

const USAGE = 'usage: npm run gcs-sim -- [--port N] [--dir DIR]';

function fail(message: string): never {
  process.stderr.write(`gcs-sim: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let values: { port?: string; dir?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: { port: { type: 'string' }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  }));
} catch (e) {
  fail((e as Error).message);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
let port = 0;
if (values.port !== undefined) {
  if (!/^\d+$/.test(values.port) || Number(values.port) > 65535)
    fail(`--port must be an integer 0-65535, got '${values.port}'`);
  port = Number(values.port);
}
let dir: string | undefined;
if (values.dir !== undefined) {
  if (values.dir.trim() === '') fail('--dir must not be empty');
  dir = path.resolve(values.dir);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    fail(`--dir ${dir} cannot be used: ${(e as Error).message}`);
  }
}

const sim = await startGcsSim({ port, ...(dir !== undefined && { dir }) }).catch((e: unknown) =>
  fail((e as Error).message),
);
process.stdout.write(`${JSON.stringify({ url: sim.url })}\n`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void sim.close().then(() => process.exit(0));
  });
}
