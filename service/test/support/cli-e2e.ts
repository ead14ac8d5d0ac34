/**
 * Test support for end-to-end tests of the `autobackup` command: the org simulator (in this process), an empty
 * database and a home directory, set up before the file's tests and removed after; commands run as real
 * processes, asynchronously, so the simulator keeps answering them.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { startSimulator, type Simulator } from '../../../test/sf-sim/src/index.js';
import { REPO_ROOT } from './shared-test-postgres.js';
import { createEmptyDatabase, type TestDatabase } from './test-db.js';

export const AUTOBACKUP_BIN = path.join(REPO_ROOT, 'bin/autobackup.js');

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface CliEnvironment {
  readonly sim: Simulator;
  readonly db: TestDatabase;
  readonly home: string;
  /** The environment a command runs with: the test database and home, quiet logs, plus `extra`. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Runs `autobackup args…` to its end. */
  run(args: string[], extra?: NodeJS.ProcessEnv): Promise<CliResult>;
}

/** A port nothing listens on now (for a process that needs one given). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** `orgs add` flags for the simulator's org (JWT bearer with its key file). */
export function simOrgFlags(sim: Simulator): string[] {
  return [
    '--instance-url',
    sim.url,
    '--login-url',
    sim.url,
    '--client-id',
    sim.clientId,
    '--private-key',
    `file:${sim.privateKeyPath}`,
    '--username',
    sim.username,
  ];
}

/** Registers the file's before/after hooks and returns the environment they set up. */
export function useCliEnvironment(homePrefix: string): CliEnvironment {
  let sim: Simulator | undefined;
  let db: TestDatabase | undefined;
  let home: string | undefined;
  before(async () => {
    sim = await startSimulator({ seed: 'small' });
    db = await createEmptyDatabase();
    home = mkdtempSync(path.join(tmpdir(), homePrefix));
    // Let the seeded history fall outside the lag window.
    sim.org.clock.advance(5 * 60_000);
  });
  after(async () => {
    await sim?.close();
    await db?.destroy();
    if (home) rmSync(home, { recursive: true, force: true });
  });
  const environment: CliEnvironment = {
    get sim() {
      return sim!;
    },
    get db() {
      return db!;
    },
    get home() {
      return home!;
    },
    env: (extra = {}) => ({
      ...process.env,
      LOG_LEVEL: 'warn',
      DATABASE_URL: db!.url,
      AUTOBACKUP_HOME: home!,
      AUTOBACKUP_LAG_SECONDS: '120',
      ...extra,
    }),
    run: (args, extra = {}) =>
      new Promise((resolve) => {
        const child = spawn(AUTOBACKUP_BIN, args, { env: environment.env(extra) });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ status: code ?? 1, stdout, stderr }));
      }),
  };
  return environment;
}
