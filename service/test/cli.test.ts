import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
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
