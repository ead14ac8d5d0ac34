/**
 * Rolling upgrades: whether this build may run on a database that a newer release has migrated. A migration
 * states the oldest migration a running replica must know (`replicasMustKnow`; undeclared, the requirement of the
 * migration before it);
 * the migration runner records that in `schema_requirements`, because an older replica cannot read the newer
 * migration's code, only the database.
 */
import type { Knex } from 'knex';
import { SCHEMA_REQUIREMENTS_TABLE } from './migrations/0005_schema_requirements.js';
import type { Migration } from './migrations/index.js';

/** The database was migrated by a newer release that this build cannot run with. */
export class SchemaTooNewError extends Error {
  constructor(
    /** Applied migrations this build does not know, in order. */
    readonly unknownMigrations: string[],
    /** The last migration this build knows. */
    readonly knownUpTo: string,
    /** The oldest migration the database requires a replica to know. */
    readonly required: string,
  ) {
    super(
      `the database schema is newer than this autobackup: it has ` +
        `${unknownMigrations.length === 1 ? 'migration' : 'migrations'} ${unknownMigrations.join(', ')} ` +
        `that this build (up to ${knownUpTo}) does not know, and it requires a replica that knows at least ` +
        `${required}; upgrade this replica to a release that includes ${required}`,
    );
    this.name = 'SchemaTooNewError';
  }
}

export type SchemaCompatibility = { ok: true; newer: string[] } | { ok: false; error: SchemaTooNewError };

/**
 * What a replica must know once `name` is applied: the migration's declaration, else what the migration before it
 * required (undefined before any declares), since migrations stay compatible with the previous release unless
 * they say otherwise. Names sort in apply order, so "at or before" is a string comparison.
 */
export function requirementOf(list: Record<string, Migration>, name: string): string | undefined {
  const names = Object.keys(list).sort();
  const declared = list[name]?.replicasMustKnow;
  if (declared === undefined) {
    const previous = names[names.indexOf(name) - 1];
    return previous === undefined ? undefined : requirementOf(list, previous);
  }
  if (!names.includes(declared) || declared > name) {
    throw new Error(
      `migration ${name}: replicasMustKnow must name a migration at or before it, not ${declared}`,
    );
  }
  return declared;
}

/** Records the requirement of a migration just applied, in its transaction (once the table exists). */
export async function recordRequirement(
  trx: Knex,
  migration: string,
  required: string | undefined,
): Promise<void> {
  if (required === undefined || !(await trx.schema.hasTable(SCHEMA_REQUIREMENTS_TABLE))) return;
  await trx(SCHEMA_REQUIREMENTS_TABLE)
    .insert({ migration, replicas_must_know: required })
    .onConflict('migration')
    .merge();
}

/** Forgets the requirement of a migration being rolled back, in its transaction. */
export async function forgetRequirement(trx: Knex, migration: string): Promise<void> {
  if (await trx.schema.hasTable(SCHEMA_REQUIREMENTS_TABLE)) {
    await trx(SCHEMA_REQUIREMENTS_TABLE).where({ migration }).delete();
  }
}

/**
 * Whether a build knowing `known` (sorted migration names) may run on the database: one query when the database
 * has nothing newer, two when it has. Expects a migrated database (knex_migrations present).
 */
export async function compatibilityWith(knex: Knex, known: string[]): Promise<SchemaCompatibility> {
  const newer = await unknownApplied(knex, known);
  const [firstNewer] = newer;
  if (firstNewer === undefined) return { ok: true, newer };
  // Without a recorded requirement (a database from another line of releases), nothing newer is assumed safe.
  const required = (await requiredMigration(knex)) ?? firstNewer;
  if (known.includes(required)) return { ok: true, newer };
  return { ok: false, error: new SchemaTooNewError(newer, known.at(-1) ?? 'none', required) };
}

async function unknownApplied(knex: Knex, known: string[]): Promise<string[]> {
  const rows = (await knex('knex_migrations').whereNotIn('name', known).select('name')) as Array<{
    name: string;
  }>;
  return rows.map((r) => r.name).sort();
}

/** The highest requirement any applied migration recorded; null when the database records none. */
async function requiredMigration(knex: Knex): Promise<string | null> {
  try {
    // "C" collation: the same byte order the names are applied in, whatever the database's collation.
    const result = await knex.raw<{ rows: Array<{ required: string | null }> }>(
      `SELECT max(replicas_must_know COLLATE "C") AS required FROM ${SCHEMA_REQUIREMENTS_TABLE}`,
    );
    return result.rows[0]?.required ?? null;
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return null; // undefined_table
    throw err;
  }
}
