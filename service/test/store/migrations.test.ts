import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Knex } from 'knex';
import { createKnex } from '../../src/store/db/knex.js';
import assert from 'node:assert/strict';
import { migrateToLatest, migrationNames, migrationStatus, rollbackAll } from '../../src/store/db/migrate.js';
import { REPO_ROOT } from '../support/shared-test-postgres.js';
import { createEmptyDatabase } from '../support/test-db.js';

const TABLES = [
  'orgs',
  'service_keys',
  'objects',
  'versions',
  'packs',
  'files',
  'schemas',
  'runs',
  'errors',
  'api_usage',
  'daily_stats',
  'orphan_packs',
  'schema_changes',
  'settings_changes',
  'rate_limits',
];

async function tables(knex: Knex): Promise<string[]> {
  const result = await knex.raw<{ rows: Array<{ tablename: string }> }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'knex_%' ORDER BY tablename`,
  );
  return result.rows.map((r) => r.tablename);
}

describe('store migrations', () => {
  test('go up, down and up again, leaving the data model each time', async () => {
    const db = await createEmptyDatabase();
    try {
      assert.deepEqual(await migrateToLatest(db.knex), migrationNames());
      assert.equal(migrationNames()[0], '0001_data_model');
      assert.deepEqual(await tables(db.knex), [...TABLES].sort());
      assert.deepEqual((await migrationStatus(db.knex)).pending, []);

      assert.deepEqual([...(await rollbackAll(db.knex))].sort(), migrationNames());
      assert.deepEqual(await tables(db.knex), []);

      await migrateToLatest(db.knex);
      assert.deepEqual(await tables(db.knex), [...TABLES].sort());
    } finally {
      await db.destroy();
    }
  });

  test('reject settings outside the allowed values', async () => {
    const db = await createEmptyDatabase();
    try {
      await migrateToLatest(db.knex);
      await assert.rejects(
        db.knex('orgs').insert({ org_id: '00D000000000001AAA', mode: 'sometimes' }),
        /orgs_mode_values/,
      );
      await assert.rejects(db.knex('orgs').insert({ org_id: 'not-an-org-id' }), /orgs_org_id_format/);
      await db.knex('orgs').insert({ org_id: '00D000000000001AAA' });
      const [org] = await db.knex('orgs').select('mode', 'schedule', 'enabled', 'api_budget_share');
      assert.deepEqual(org, {
        mode: 'objects_and_files',
        schedule: 'continuous',
        enabled: false,
        api_budget_share: 0.5,
      });
    } finally {
      await db.destroy();
    }
  });
});

describe('migrations from replicas starting together', () => {
  test('five at once on an empty database, twenty times: one migrates, the others wait and find it done', async () => {
    for (let round = 0; round < 20; round++) {
      const db = await createEmptyDatabase();
      // Five connection pools, as five replicas would have: PostgreSQL cannot tell them from five processes.
      const replicas = Array.from({ length: 5 }, () => createKnex(db.url, { poolMax: 2 }));
      try {
        const applied = await Promise.all(replicas.map((knex) => migrateToLatest(knex)));
        assert.deepEqual(
          applied.map((names) => names.length).sort(),
          [0, 0, 0, 0, migrationNames().length],
          `round ${round}: exactly one replica applied the migrations`,
        );
        assert.deepEqual((await migrationStatus(db.knex)).pending, []);
      } finally {
        await Promise.all(replicas.map((knex) => knex.destroy()));
        await db.destroy();
      }
    }
  });

  test('five autobackup processes started at once on an empty database all come up', async () => {
    const db = await createEmptyDatabase();
    try {
      const runs = await Promise.all(
        Array.from(
          { length: 5 },
          () =>
            new Promise<{ status: number | null; stderr: string }>((resolve) => {
              const child = spawn(path.join(REPO_ROOT, 'bin/autobackup.js'), ['db', 'migrate'], {
                env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn' },
              });
              let stderr = '';
              child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
              child.on('close', (status) => resolve({ status, stderr }));
            }),
        ),
      );
      for (const run of runs) assert.equal(run.status, 0, run.stderr);
    } finally {
      await db.destroy();
    }
  });
});
