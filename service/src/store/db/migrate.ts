/**
 * Runs the project's knex migrations (listed in migrations/index.ts) to the latest version.
 * Processes starting at once (replicas on one database) take turns through a PostgreSQL advisory lock held on a
 * connection of its own: knex's lock table alone races when two processes create it on an empty database.
 */
import type { Knex } from 'knex';
import pg from 'pg';
import { migrations } from './migrations/index.js';

type Migration = { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> };

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
    return Promise.resolve(migration);
  }
}

const config = (): Knex.MigratorConfig => ({
  migrationSource: new ListedMigrations(migrations),
  tableName: 'knex_migrations',
});

/** Any fixed 64-bit number naming "the schema is being migrated"; every process of the service uses the same. */
const MIGRATION_LOCK = 7_277_261_030_001;

/** Runs `fn` while holding the migration lock, on a connection apart from knex's pool (which `fn` uses). */
async function withMigrationLock<T>(knex: Knex, fn: () => Promise<T>): Promise<T> {
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

/** Migrates to the latest version; returns the names applied now (none when another process just did). */
export async function migrateToLatest(knex: Knex): Promise<string[]> {
  return withMigrationLock(knex, async () => {
    const [, applied] = (await knex.migrate.latest(config())) as [number, string[]];
    return applied;
  });
}

/** Rolls back every applied migration (tests of the down path). */
export async function rollbackAll(knex: Knex): Promise<string[]> {
  const [, undone] = (await knex.migrate.rollback(config(), true)) as [number, string[]];
  return undone;
}

export async function migrationStatus(knex: Knex): Promise<{ applied: string[]; pending: string[] }> {
  const [completed, pending] = (await knex.migrate.list(config())) as [
    Array<{ name: string }>,
    Array<{ file: string } | string>,
  ];
  return {
    applied: completed.map((m) => m.name),
    pending: pending.map((m) => (typeof m === 'string' ? m : m.file)),
  };
}

export function migrationNames(): string[] {
  return Object.keys(migrations).sort();
}
