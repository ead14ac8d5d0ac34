/**
 * `autobackup serve` as a platform team runs it: a real process on a real database and bucket, the org
 * simulator's org added with `orgs add`, the API answering the package's key while the continuous backup fills
 * the dashboard, request ids in the logs and no secret in them, and SIGTERM finishing the request in flight
 * before the process exits 0.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, test } from 'node:test';
import { recordError } from '../src/store/registry/error-log.js';
import { AUTOBACKUP_BIN as BIN, freePort, simOrgFlags, useCliEnvironment } from './support/cli-e2e.js';

const e = useCliEnvironment('ab-serve-');
const env = (extra: NodeJS.ProcessEnv = {}) => e.env({ LOG_LEVEL: 'info', ...extra });
const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => e.run(args, extra);

/** Starts `autobackup serve`; resolves with its URL once the start line is out. */
function serve(
  port: number,
): Promise<{ child: ChildProcess; url: string; stderr: () => string; exit: Promise<number | null> }> {
  const child = spawn(BIN, ['serve', '--host', '127.0.0.1'], {
    env: env({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` }),
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n'))
        resolve({ child, url: (JSON.parse(line!) as { url: string }).url, stderr: () => stderr, exit });
    });
    void exit.then((code) => reject(new Error(`serve exited ${code} before starting: ${stderr}`)));
  });
}

describe('autobackup serve', () => {
  test('a wrong flag exits 2 with the reason, before anything starts', async () => {
    const bad = await run(['serve', '--host', 'not a host!']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--host: "not a host!" is not an address/);
    const badPort = await run(['serve'], { PORT: 'eighty' });
    assert.equal(badPort.status, 2);
    assert.match(badPort.stderr, /PORT: expected PORT as a whole number/);
  });

  test('serves the package, backs the org up continuously, and stops cleanly on SIGTERM', async () => {
    const added = await run(['orgs', 'add', ...simOrgFlags(e.sim)], { LOG_LEVEL: 'warn' });
    assert.equal(added.status, 0, added.stderr);
    const { orgId, serviceKey } = JSON.parse(added.stdout) as { orgId: string; serviceKey: string };

    const service = await serve(await freePort());
    const get = (pathname: string) =>
      fetch(`${service.url}${pathname}`, {
        headers: { authorization: `Bearer ${serviceKey}`, 'x-request-id': 'e2e-request-1' },
      });
    try {
      assert.equal((await fetch(`${service.url}/readyz`)).status, 200);
      // The continuous backup fills the dashboard without anyone asking for it.
      const firstPass = /autobackup_versions_written_total\{org="[^"]+"\} [1-9]/;
      let metrics = '';
      for (let i = 0; i < 240 && !firstPass.test(metrics); i++) {
        metrics = await (await fetch(`${service.url}/metrics`)).text();
        if (!firstPass.test(metrics)) await new Promise((r) => setTimeout(r, 500));
      }
      assert.match(metrics, firstPass, 'a first pass finished and counted its versions');
      const dashboard = (await (await get(`/api/v1/orgs/${orgId}/dashboard`)).json()) as {
        totals: { versions: number };
      };
      assert.ok(dashboard.totals.versions > 0, 'the dashboard shows what the backup wrote');
      metrics = await (await fetch(`${service.url}/metrics`)).text();
      assert.match(
        metrics,
        /autobackup_http_requests_total\{method="GET",route="\/api\/v1\/orgs\/\{orgId\}\/dashboard",status="200"\} 1/,
      );

      // Enough errors that the CSV is still streaming when SIGTERM arrives.
      for (let i = 0; i < 3000; i++)
        await recordError(e.db.knex, {
          orgId,
          code: `E${i}`,
          message: `failure ${i}`,
          stack: 'x'.repeat(2000),
          object: 'Account',
          at: new Date(),
        });
      const csv = await get(`/api/v1/orgs/${orgId}/errors.csv`);
      assert.equal(csv.status, 200);
      service.child.kill('SIGTERM');
      const text = await csv.text();
      assert.equal(text.trim().split('\r\n').length, 3001, 'the download in flight finished whole');
      assert.equal(await service.exit, 0, 'exit code 0 after SIGTERM');
      await assert.rejects(fetch(`${service.url}/healthz`), 'no longer taking requests');

      const log = service.stderr();
      assert.match(log, /"requestId":"e2e-request-1"/, 'request ids in the log lines');
      // The secret is everything after `abk_<key id>_` (base64url, so it may hold '_' itself).
      const secret = /^abk_[0-9a-f]{12}_(.+)$/.exec(serviceKey)![1]!;
      assert.ok(!log.includes(serviceKey) && !log.includes(secret), 'the service key is never logged');
    } finally {
      service.child.kill('SIGKILL');
    }
  });
});
