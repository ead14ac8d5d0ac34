import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Knex } from 'knex';
import { createKnex } from '../../src/store/db/knex.js';
import assert from 'node:assert/strict';
import {
  checkSchemaCompatibility,
  migrateToLatest,
  migrateToLatestWith,
  migrationNames,
  migrationStatus,
  rollbackAll,
  SchemaTooNewError,
} from '../../src/store/db/migrate.js';
import { migrations, type Migration } from '../../src/store/db/migrations/index.js';
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
  'scheduler_ticks',
  'schema_changes',
  'settings_changes',
  'rate_limits',
  'schema_requirements',
  'erasures',
  'field_definitions',
  'field_checks',
  'field_check_state',
  'field_changes',
  'api_calls',
  'api_budget',
];

async function tables(knex: Knex): Promise<string[]> {
  const result = await knex.raw<{ rows: Array<{ tablename: string }> }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'knex_%' ORDER BY tablename`,
  );
  return result.rows.map((r) => r.tablename);
}

async function requirementRecordedBy(knex: Knex, migration: string): Promise<string | undefined> {
  const row = (await knex('schema_requirements').where({ migration }).first('replicas_must_know')) as
    { replicas_must_know: string } | undefined;
  return row?.replicas_must_know;
}

describe('store migrations', () => {
  test('go up, down and up again, leaving the data model each time', async () => {
    const db = await createEmptyDatabase();
    try {
      assert.deepEqual(await migrateToLatest(db.knex), migrationNames());
      assert.equal(migrationNames()[0], '0001_data_model');
      assert.deepEqual(await tables(db.knex), [...TABLES].sort());
      assert.deepEqual((await migrationStatus(db.knex)).pending, []);
      assert.equal(
        await requirementRecordedBy(db.knex, '0005_schema_requirements'),
        '0005_schema_requirements',
        'releases before it cannot read the requirements',
      );

      assert.deepEqual([...(await rollbackAll(db.knex))].sort(), migrationNames());
      assert.deepEqual(await tables(db.knex), []);

      await migrateToLatest(db.knex);
      assert.deepEqual(await tables(db.knex), [...TABLES].sort());
      assert.equal(
        await db
          .knex('schema_requirements')
          .count({ n: '*' })
          .first()
          .then((r) => Number(r?.n)),
        migrationNames().filter((n) => n >= '0005_schema_requirements').length,
        'one requirement per migration from the one that records them on',
      );
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

/** A newer build's migration list: this build's migrations plus `extra` (each adds a table of its name). */
function newerBuild(extra: Record<string, Partial<Migration>>): Record<string, Migration> {
  const added = Object.entries(extra).map(([name, declared]): [string, Migration] => [
    name,
    {
      up: (knex) => knex.schema.createTable(name, (t) => t.increments('id')),
      down: (knex) => knex.schema.dropTableIfExists(name),
      ...declared,
    },
  ]);
  return { ...migrations, ...Object.fromEntries(added) };
}

async function appliedRows(knex: Knex): Promise<Array<{ id: number; name: string }>> {
  return knex('knex_migrations').orderBy('id').select('id', 'name');
}

// The newer build's migrations sort after every migration this build will ever have.
const LAST_KNOWN = migrationNames().at(-1) ?? 'none';

describe('rolling upgrades: a database migrated by a newer release', () => {
  test('with a compatible migration is used as it is, and reported as newer', async () => {
    const db = await createEmptyDatabase();
    try {
      await migrateToLatestWith(db.knex, newerBuild({ '9001_newer_compatible': {} }));
      const before = await appliedRows(db.knex);

      assert.deepEqual(await migrateToLatest(db.knex), []);
      assert.deepEqual(await appliedRows(db.knex), before, 'nothing re-run or undone');
      assert.deepEqual(await checkSchemaCompatibility(db.knex), {
        ok: true,
        newer: ['9001_newer_compatible'],
      });
      assert.deepEqual((await migrationStatus(db.knex)).pending, []);
    } finally {
      await db.destroy();
    }
  });

  test('with a migration that breaks older code stops this build, naming the migrations and releases', async () => {
    const db = await createEmptyDatabase();
    try {
      await migrateToLatest(db.knex); // this build is running
      assert.deepEqual(await checkSchemaCompatibility(db.knex), { ok: true, newer: [] });

      await migrateToLatestWith(
        db.knex,
        newerBuild({
          '9001_newer_breaking': { replicasMustKnow: '9001_newer_breaking' },
          '9002_newer_after': { replicasMustKnow: LAST_KNOWN },
        }),
      );
      const message =
        'the database schema is newer than this autobackup: it has migrations 9001_newer_breaking, ' +
        `9002_newer_after that this build (up to ${LAST_KNOWN}) does not know, and it requires a replica that ` +
        'knows at least 9001_newer_breaking; upgrade this replica to a release that includes 9001_newer_breaking';

      const running = await checkSchemaCompatibility(db.knex);
      assert.equal(running.ok, false);
      assert.ok(!running.ok && running.error instanceof SchemaTooNewError);
      assert.equal(running.error.message, message);

      await assert.rejects(migrateToLatest(db.knex), (err: unknown) => {
        assert.ok(err instanceof SchemaTooNewError);
        assert.equal(err.message, message);
        return true;
      });
    } finally {
      await db.destroy();
    }
  });

  test('with two migrations that declare nothing stays compatible; a later declared break stops it', async () => {
    const db = await createEmptyDatabase();
    try {
      await migrateToLatest(db.knex);
      // Undeclared migrations keep working with the previous release's code (expand, not contract).
      await migrateToLatestWith(db.knex, newerBuild({ '9001_newer_a': {}, '9002_newer_b': {} }));
      assert.deepEqual(await checkSchemaCompatibility(db.knex), {
        ok: true,
        newer: ['9001_newer_a', '9002_newer_b'],
      });
      assert.deepEqual(await migrateToLatest(db.knex), []);

      // The release after declares its contract step: replicas that do not know 9002 must stop.
      await migrateToLatestWith(
        db.knex,
        newerBuild({
          '9001_newer_a': {},
          '9002_newer_b': {},
          '9003_newer_contract': { replicasMustKnow: '9002_newer_b' },
        }),
      );
      const stopped = await checkSchemaCompatibility(db.knex);
      assert.ok(!stopped.ok);
      assert.match(stopped.error.message, /requires a replica that knows at least 9002_newer_b;/);
    } finally {
      await db.destroy();
    }
  });

  test('a migration may not require one that comes after it', async () => {
    const db = await createEmptyDatabase();
    try {
      await assert.rejects(
        migrateToLatestWith(db.knex, newerBuild({ '9001_newer': { replicasMustKnow: '9002_later' } })),
        /migration 9001_newer: replicasMustKnow must name a migration at or before it, not 9002_later/,
      );
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
