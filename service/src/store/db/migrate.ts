/**
 * Runs the project's knex migrations (listed in migrations/index.ts) to the latest version.
 * knex records each migration and takes a lock table, so processes starting at once migrate safely.
 */
import type { Knex } from 'knex';
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

/** Migrates to the latest version; returns the names applied now. */
export async function migrateToLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest(config())) as [number, string[]];
  return applied;
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
