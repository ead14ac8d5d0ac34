/**
 * What the HTTP API needs: a settings version (optimistic concurrency across Apex transactions: GET → LWC → PUT),
 * the history of settings changes (who changed what, from which door), the rate-limit counters shared by every
 * replica, and an index that pages the open errors without scanning closed ones.
 */
import type { Knex } from 'knex';

export const RATE_LIMIT_TABLE = 'rate_limits';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orgs', (t) => {
    t.integer('settings_version').notNullable().defaultTo(1);
  });
  await knex.schema.createTable('settings_changes', (t) => {
    t.bigIncrements('change_id').primary();
    t.string('org_id', 18).notNullable().references('orgs.org_id').onDelete('CASCADE');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.integer('version').notNullable(); // the settings version this change produced
    t.text('source').notNullable(); // api | cli
    t.text('actor_id').nullable(); // the Salesforce user id (api) or the OS user (cli)
    t.text('actor_name').nullable();
    t.jsonb('before').notNullable();
    t.jsonb('after').notNullable();
    t.index(['org_id', 'change_id']);
  });
  // The table rate-limiter-flexible's Postgres store reads and writes (its own layout).
  await knex.schema.createTable(RATE_LIMIT_TABLE, (t) => {
    t.string('key', 255).primary();
    t.integer('points').notNullable().defaultTo(0);
    t.bigInteger('expire').nullable();
  });
  await knex.raw(
    `CREATE INDEX errors_open_page ON errors (org_id, at DESC, error_id DESC)
      WHERE closed_at IS NULL AND dismissed_at IS NULL`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS errors_open_page');
  await knex.schema.dropTableIfExists(RATE_LIMIT_TABLE);
  await knex.schema.dropTableIfExists('settings_changes');
  await knex.schema.alterTable('orgs', (t) => {
    t.dropColumn('settings_version');
  });
}
