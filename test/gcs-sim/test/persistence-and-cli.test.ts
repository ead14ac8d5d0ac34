import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startGcsSim } from '../src/index.js';
import { sdkClient } from './sdk-client.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const MAIN = path.join(REPO, 'test/gcs-sim/src/main.ts');

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gcs-sim-test-'));
  tempDirs.push(dir);
  return dir;
}

const children: ChildProcess[] = [];
after(() => {
  for (const child of children) {
    // Each child leads its own process group (detached), so npm/tsx descendants go too.
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function startProcess(cmd: string, args: string[]): ChildProcess {
  const child = spawn(cmd, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(child);
  return child;
}

/** Resolves with the first stdout line that parses as JSON. */
function firstJsonLine(child: ChildProcess): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        resolve(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // npm prints its own header lines first
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before printing a JSON line: ${stderr}`)));
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

describe('gcs-sim persistence', () => {
  test('objects, metadata and generations survive a restart on the same --dir', async () => {
    const dir = tempDir();
    const first = await startGcsSim({ dir });
    let generation: string;
    try {
      const [bucket] = await sdkClient(first.url).createBucket('kept');
      const file = bucket.file('orgs/x/packs/p.gz');
      await file.save(Buffer.from('pack bytes'), {
        resumable: false,
        metadata: { metadata: { kind: 'pack' } },
      });
      await bucket.file('deleted.txt').save('gone soon');
      await bucket.file('deleted.txt').delete();
      generation = String((await file.getMetadata())[0].generation);
    } finally {
      await first.close();
    }

    const second = await startGcsSim({ dir });
    try {
      const bucket = sdkClient(second.url).bucket('kept');
      const file = bucket.file('orgs/x/packs/p.gz');
      const [meta] = await file.getMetadata();
      assert.equal(meta.generation, generation);
      assert.deepEqual(meta.metadata, { kind: 'pack' });
      assert.equal((await file.download())[0].toString(), 'pack bytes');
      assert.equal((await bucket.file('deleted.txt').exists())[0], false);
      await assert.rejects(
        file.save('overwrite?', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } }),
      );
      await bucket.file('new.txt').save('new');
      const [newMeta] = await bucket.file('new.txt').getMetadata();
      assert.ok(
        BigInt(String(newMeta.generation)) > BigInt(generation),
        'generations keep rising after a restart',
      );
    } finally {
      await second.close();
    }
  });

  test('without --dir nothing is kept', async () => {
    const first = await startGcsSim();
    await sdkClient(first.url).createBucket('ephemeral');
    await first.close();
    const second = await startGcsSim();
    try {
      assert.equal((await sdkClient(second.url).bucket('ephemeral').exists())[0], false);
    } finally {
      await second.close();
    }
  });
});

describe('npm run gcs-sim', () => {
  test('prints {"url":…} as one line on stdout and serves the real SDK', async () => {
    const child = startProcess('npm', ['run', 'gcs-sim', '--', '--port', '0']);
    const start = await firstJsonLine(child);
    assert.deepEqual(Object.keys(start), ['url']);
    assert.match(String(start.url), /^http:\/\/127\.0\.0\.1:\d+$/);
    const [bucket] = await sdkClient(String(start.url)).createBucket('via-npm');
    await bucket.file('a').save('b');
    assert.equal((await bucket.file('a').download())[0].toString(), 'b');
    process.kill(-child.pid!, 'SIGTERM');
    await exited(child);
  });

  test('stops cleanly on SIGTERM and SIGINT (exit 0), keeping --dir contents', async () => {
    const dir = tempDir();
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const child = startProcess(process.execPath, ['--import', 'tsx', MAIN, '--dir', dir]);
      const start = await firstJsonLine(child);
      const bucket = sdkClient(String(start.url)).bucket('signals');
      if (signal === 'SIGTERM') await bucket.create();
      await bucket.file(signal).save(signal);
      const done = exited(child);
      child.kill(signal);
      assert.equal((await done).code, 0);
    }
    const sim = await startGcsSim({ dir });
    try {
      const [files] = await sdkClient(sim.url).bucket('signals').getFiles();
      assert.deepEqual(
        files.map((f) => f.name),
        ['SIGINT', 'SIGTERM'],
      );
    } finally {
      await sim.close();
    }
  });

  test('bad flags exit 2 with a message naming the flag', async () => {
    for (const [args, pattern] of [
      [['--port', 'abc'], /--port must be an integer/],
      [['--port', '70000'], /--port must be an integer/],
      [['--bogus'], /bogus/],
      [['--dir', ''], /--dir must not be empty/],
    ] as const) {
      const result = await exited(startProcess(process.execPath, ['--import', 'tsx', MAIN, ...args]));
      assert.equal(result.code, 2, `args ${args.join(' ')}`);
      assert.match(result.stderr, pattern);
    }
  });
});
