/**
 * The production build (`npm run build`, scripts/build.ts), what the image runs: the compiled `autobackup` command
 * answers as the sources do, `serve` included, and a build never keeps a module the sources no longer have.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BUILD_ENTRY, buildService } from '../../scripts/build.js';
import { REPO_ROOT } from './support/shared-test-postgres.js';
import { freePort, simOrgFlags, useCliEnvironment } from './support/cli-e2e.js';

const e = useCliEnvironment('ab-build-');
// Inside the repository, so the build finds node_modules as dist/ does.
const outDir = path.join(REPO_ROOT, '.tmp', `build-test-${process.pid}`);
const entry = path.join(outDir, BUILD_ENTRY);

function runBuilt(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [entry, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('the compiled build', () => {
  before(() => {
    // A module left from an older build: the build must not keep it.
    const stale = path.join(outDir, 'service/src/removed-module.js');
    mkdirSync(path.dirname(stale), { recursive: true });
    writeFileSync(stale, 'throw new Error("stale");\n');
    assert.ok(buildService(outDir) > 100);
  });
  after(() => rmSync(outDir, { recursive: true, force: true }));

  test('holds plain JavaScript only, none of an older build', () => {
    assert.ok(existsSync(entry));
    assert.ok(!existsSync(path.join(outDir, 'service/src/removed-module.js')));
    assert.ok(!existsSync(path.join(outDir, 'service/src/cli/index.ts')));
  });

  test('runs --version and db status without tsx', async () => {
    const version = await runBuilt(['--version'], e.env());
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.trim(), '0.1.0');
    const status = await runBuilt(['db', 'status', '--json'], e.env());
    assert.equal(status.status, 0, status.stderr);
    const info = JSON.parse(status.stdout.trim()) as { embedded: boolean; migrations: { pending: number } };
    assert.equal(info.embedded, false);
    assert.equal(info.migrations.pending, 0);
  });

  test('serve backs an org up, answers /readyz and stops with exit 0 on SIGTERM', async () => {
    const added = await runBuilt(['orgs', 'add', ...simOrgFlags(e.sim)], e.env());
    assert.equal(added.status, 0, added.stderr);
    const port = await freePort();
    const child = spawn(process.execPath, [entry, 'serve', '--host', '127.0.0.1'], {
      // A 1-s tick: the first pass starts at once.
      env: e.env({
        PORT: String(port),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        AUTOBACKUP_TICK_SECONDS: '1',
      }),
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          if (stdout.includes('\n')) resolve((JSON.parse(stdout.split('\n')[0]!) as { url: string }).url);
        });
        void exit.then((code) => reject(new Error(`serve exited ${code} before starting: ${stderr}`)));
      });
      assert.equal((await fetch(`${url}/readyz`)).status, 200);
      const written = /autobackup_versions_written_total\{org="[^"]+"\} [1-9]/;
      let metrics = '';
      for (let i = 0; i < 240 && !written.test(metrics); i++) {
        metrics = await (await fetch(`${url}/metrics`)).text();
        if (!written.test(metrics)) await new Promise((r) => setTimeout(r, 500));
      }
      assert.match(metrics, written, 'the compiled service backed the org up');
      child.kill('SIGTERM');
      assert.equal(await exit, 0, stderr);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
