/**
 * Fields that become readable after an object's records were backed up: which fields the backup holds for every
 * record (`covered_fields`; null: every field it is read with today), and the pending re-read of the records
 * stored before a field became readable (`refresh_fields`, and how far it has come).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('objects', (t) => {
    t.specificType('covered_fields', 'text[]').nullable();
    t.specificType('refresh_fields', 'text[]').notNullable().defaultTo('{}');
    t.timestamp('refresh_cursor_system_modstamp', { useTz: true }).nullable();
    t.text('refresh_cursor_id').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('objects', (t) => {
    t.dropColumn('covered_fields');
    t.dropColumn('refresh_fields');
    t.dropColumn('refresh_cursor_system_modstamp');
    t.dropColumn('refresh_cursor_id');
  });
}
