/**
 * What the backup engine keeps per object beyond the cursor: how the object is read (the support decision),
 * the fields it is read with, how far deletes have been checked, and when it last ran; plus the log of schema
 * changes (objects and fields joining, losing or regaining access).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('objects', (t) => {
    t.jsonb('support_detail').nullable(); // cursor field, access path, delete tracking, Bulk eligibility
    t.jsonb('fields').nullable(); // [{name,type}] the integration user can read, as last described
    t.timestamp('describe_seen_at', { useTz: true }).nullable(); // org time of the describe behind `fields`
    t.timestamp('deletes_checked_until', { useTz: true }).nullable(); // getDeleted covered up to here
    t.timestamp('reconciled_at', { useTz: true }).nullable(); // last full Id reconciliation
    t.timestamp('running_since', { useTz: true }).nullable(); // a backup of this object is under way
    t.text('running_lease').nullable();
  });
  await knex.schema.createTable('schema_changes', (t) => {
    t.bigIncrements('change_id').primary();
    t.string('org_id', 18).notNullable().references('orgs.org_id').onDelete('CASCADE');
    t.text('object').notNullable();
    t.text('field').nullable();
    t.text('change').notNullable(); // object_added | object_unavailable | object_available | field_added | field_unavailable
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['org_id', 'at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('schema_changes');
  await knex.schema.alterTable('objects', (t) => {
    for (const c of [
      'support_detail',
      'fields',
      'describe_seen_at',
      'deletes_checked_until',
      'reconciled_at',
      'running_since',
      'running_lease',
    ])
      t.dropColumn(c);
  });
}
