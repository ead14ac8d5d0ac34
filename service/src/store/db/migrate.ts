/**
 * Runs the project's knex migrations (listed in migrations/index.ts) to the latest version.
 * Processes starting at once (replicas on one database) take turns through a PostgreSQL advisory lock held on a
 * connection of its own: knex's lock table alone races when two processes create it on an empty database.
 * A database a newer release migrated is checked against what it requires of this build (schema-requirements.ts)
 * before knex sees it: knex would refuse it as "corrupt" without saying why.
 */
import type { Knex } from 'knex';
import pg from 'pg';
import { migrations, type Migration } from './migrations/index.js';
import {
  compatibilityWith,
  forgetRequirement,
  recordRequirement,
  requirementOf,
  type SchemaCompatibility,
} from './schema-requirements.js';

export { SchemaTooNewError, type SchemaCompatibility } from './schema-requirements.js';

class ListedMigrations implements Knex.MigrationSource<string> {
  constructor(private readonly list: Record<string, Migration>) {}
  getMigrations(): Promise<string[]> {
    return Promise.resolve(Object.keys(this.list).sort());
  }
  getMigrationName(name: string): string {
    return name;
  }
  getMigration(name: string): Promise<Knex.Migration> {
    const migration = this.list[name];
    if (!migration) throw new Error(`unknown migration ${name}`);
    const required = requirementOf(this.list, name);
    // The requirement is written and removed in the migration's own transaction, so it exists exactly when it does.
    return Promise.resolve({
      async up(trx: Knex) {
        await migration.up(trx);
        await recordRequirement(trx, name, required);
      },
      async down(trx: Knex) {
        await forgetRequirement(trx, name);
        await migration.down(trx);
      },
    });
  }
}

const MIGRATIONS_TABLE = 'knex_migrations';

const config = (list: Record<string, Migration> = migrations): Knex.MigratorConfig => ({
  migrationSource: new ListedMigrations(list),
  tableName: MIGRATIONS_TABLE,
});

/** Any fixed 64-bit number naming "the schema is being migrated"; every process of the service uses the same. */
const MIGRATION_LOCK = 7_277_261_030_001;

/**
 * Runs `fn` while holding the migration lock, on a connection apart from knex's pool (which `fn` uses). Other
 * schema setup that replicas would race on (the job queue's) runs under it too.
 */
export async function withMigrationLock<T>(knex: Knex, fn: () => Promise<T>): Promise<T> {
  const settings = (knex.client as { connectionSettings: string | pg.ClientConfig }).connectionSettings;
  const client = new pg.Client(typeof settings === 'string' ? { connectionString: settings } : settings);
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    return await fn();
  } finally {
    // Closing the session releases the lock too; the explicit unlock keeps it short when the close is slow.
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await client.end();
  }
}

/**
 * Migrates to the latest version; returns the names applied now (none when another process just did, or when a
 * newer release migrated the database in a way this build may run with). Throws SchemaTooNewError when it may not.
 */
export async function migrateToLatest(knex: Knex): Promise<string[]> {
  return migrateToLatestWith(knex, migrations);
}

/** migrateToLatest with a given migration list (tests stand in for a newer or older build with it). */
export async function migrateToLatestWith(knex: Knex, list: Record<string, Migration>): Promise<string[]> {
  return withMigrationLock(knex, async () => {
    if (await migratedByNewerRelease(knex, list)) return [];
    const [, applied] = (await knex.migrate.latest(config(list))) as [number, string[]];
    return applied;
  });
}

/** True when a newer release migrated the database and this build may run on it as it is; throws when it may not. */
async function migratedByNewerRelease(knex: Knex, list: Record<string, Migration>): Promise<boolean> {
  if (!(await knex.schema.hasTable(MIGRATIONS_TABLE))) return false;
  const compatibility = await compatibilityWith(knex, Object.keys(list).sort());
  if (!compatibility.ok) throw compatibility.error;
  if (compatibility.newer.length === 0) return false;
  // Newer migrations on top of a gap in ours: the database comes from another line of releases.
  const { pending } = await statusOf(knex, list);
  if (pending.length > 0) {
    throw new Error(
      `the database has migrations ${compatibility.newer.join(', ')} that this build does not know but lacks ` +
        `${pending.join(', ')} that it does: it was migrated by another line of releases`,
    );
  }
  return true;
}

/**
 * Whether this build may keep working on the database (a running replica asks each tick; one query, two when a
 * newer release migrated it): ok with the newer migrations it has, or the SchemaTooNewError to stop with.
 */
export async function checkSchemaCompatibility(knex: Knex): Promise<SchemaCompatibility> {
  return compatibilityWith(knex, migrationNames());
}

/** Rolls back every applied migration (tests of the down path). */
export async function rollbackAll(knex: Knex): Promise<string[]> {
  const [, undone] = (await knex.migrate.rollback(config(), true)) as [number, string[]];
  return undone;
}

/** Applied migrations in the order applied (newer ones this build does not know included) and those still to apply. */
export async function migrationStatus(knex: Knex): Promise<{ applied: string[]; pending: string[] }> {
  return statusOf(knex, migrations);
}

// Read directly rather than through knex.migrate.list, which throws on migrations this build does not know.
async function statusOf(
  knex: Knex,
  list: Record<string, Migration>,
): Promise<{ applied: string[]; pending: string[] }> {
  const applied = (await knex.schema.hasTable(MIGRATIONS_TABLE))
    ? ((await knex(MIGRATIONS_TABLE).orderBy('id').pluck('name')) as string[])
    : [];
  return {
    applied,
    pending: Object.keys(list)
      .sort()
      .filter((name) => !applied.includes(name)),
  };
}

export function migrationNames(): string[] {
  return Object.keys(migrations).sort();
}
