import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import pg from 'pg';
import { REPO_ROOT } from './support/shared-test-postgres.js';
import { createEmptyDatabase } from './support/test-db.js';

const BIN = path.join(REPO_ROOT, 'bin/autobackup.js');

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(BIN, args, { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, encoding: 'utf8' });
}

describe('autobackup CLI', () => {
  test('--help lists the commands; an unknown command exits 2 with a hint', () => {
    const help = cli(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: autobackup/);
    assert.match(help.stdout, /\bdb\b/);
    const bad = cli(['frobnicate']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown command 'frobnicate'/);
  });

  test('db serve keeps the embedded server up until Ctrl-C, then stops it', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'ab-db-serve-'));
    chmodSync(home, 0o755); // reachable by the postgres user when the tests run as root
    const child = spawn(BIN, ['db', 'serve'], {
      env: { ...process.env, LOG_LEVEL: 'warn', AUTOBACKUP_HOME: home },
    });
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const query = async (url: string) => {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
      try {
        await client.connect();
        return (await client.query<{ n: number }>('SELECT 41 + 1 AS n')).rows[0]!.n;
      } finally {
        await client.end().catch(() => undefined);
      }
    };
    try {
      const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
      const { url } = JSON.parse(first.value as string) as { url: string };
      await new Promise((r) => setTimeout(r, 2000));
      assert.equal(child.exitCode, null, 'still running after its start line');
      assert.equal(await query(url), 42, 'psql-style clients can use the printed URL');
      child.kill('SIGINT');
      assert.equal(await exit, 130);
      await assert.rejects(query(url), 'the embedded server stopped with it');
    } finally {
      child.kill('SIGKILL');
      rmSync(home, { recursive: true, force: true });
    }
  });

  test('db status --json on DATABASE_URL migrates it and prints one JSON line', async () => {
    const db = await createEmptyDatabase();
    try {
      const result = cli(['db', 'status', '--json'], { DATABASE_URL: db.url });
      assert.equal(result.status, 0, result.stderr);
      const lines = result.stdout.trim().split('\n');
      assert.equal(lines.length, 1);
      const status = JSON.parse(lines[0]!) as {
        embedded: boolean;
        url: string;
        migrations: { pending: number };
      };
      assert.equal(status.embedded, false);
      assert.equal(status.migrations.pending, 0);
      assert.ok(!status.url.includes(new URL(db.url).password), 'the password is not printed');
      const tables = await db.knex.raw(
        "SELECT 1 FROM information_schema.tables WHERE table_name = 'knex_migrations'",
      );
      assert.equal(tables.rowCount, 1, 'migrations ran at start');
    } finally {
      await db.destroy();
    }
  });
});
