import { describe, test } from 'node:test';
import type { Knex } from 'knex';
import assert from 'node:assert/strict';
import { migrateToLatest, migrationNames, migrationStatus, rollbackAll } from '../../src/store/db/migrate.js';
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
