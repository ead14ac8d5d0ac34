/**
 * What the schema asks of a running replica, so a replica of an older release can read it without knowing the
 * newer migrations' code: per applied migration (from this one on), the oldest migration a replica must know to
 * keep working on the database. db/migrate.ts writes the row in the migration's own transaction.
 * Older releases read this table: never change its shape.
 */
import type { Knex } from 'knex';

export const SCHEMA_REQUIREMENTS_TABLE = 'schema_requirements';

/** Releases before this one cannot read the requirements, so they cannot share a database with it. */
export const replicasMustKnow = '0005_schema_requirements';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable(SCHEMA_REQUIREMENTS_TABLE, (t) => {
    t.text('migration').primary(); // the applied migration that sets the requirement
    t.text('replicas_must_know').notNullable(); // the oldest migration a replica must know once it is applied
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists(SCHEMA_REQUIREMENTS_TABLE);
}
