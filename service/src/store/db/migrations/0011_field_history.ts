/**
 * Field metadata history and the missing-field-permissions report (backup/field-history.ts):
 * - `field_definitions`: every field of an object as Salesforce's FieldDefinition lists it (whatever the integration
 *   user's field-level security), with whether the integration user can read it (it is in the user's describe);
 * - `field_checks`: per object, the describe snapshot and access state the history last compared, so a scan asks
 *   FieldDefinition only about objects that changed since;
 * - `field_check_state`: per org, when the report was last brought up to date and what kept it from being so;
 * - `field_changes`: what changed and when (the org's clock at the schema scan that saw it).
 * Not in the bucket: the order and times of changes and the FieldDefinition listings are not kept there (like
 * settings and errors, see docs/ARCHITECTURE.md).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('field_definitions', (t) => {
    t.string('org_id', 18).notNullable().references('orgs.org_id').onDelete('CASCADE');
    t.text('object').notNullable();
    t.text('field').notNullable();
    t.text('label').notNullable();
    t.text('data_type').notNullable(); // Setup wording: Text(255), Lookup(Account), Formula (Number)
    t.boolean('readable').notNullable();
    t.primary(['org_id', 'object', 'field']);
  });
  await knex.schema.createTable('field_checks', (t) => {
    t.string('org_id', 18).notNullable().references('orgs.org_id').onDelete('CASCADE');
    t.text('object').notNullable();
    t.text('describe_hash').nullable(); // the snapshot compared last
    t.text('access').notNullable(); // available | unavailable, as the scan saw the object then
    t.boolean('definitions_known').notNullable(); // false: FieldDefinition could not be read at that check
    t.boolean('in_org').notNullable().defaultTo(true); // false: FieldDefinition listed no field (object deleted)
    t.timestamp('checked_at', { useTz: true }).notNullable();
    t.primary(['org_id', 'object']);
  });
  await knex.schema.createTable('field_check_state', (t) => {
    t.string('org_id', 18).primary().references('orgs.org_id').onDelete('CASCADE');
    t.timestamp('checked_at', { useTz: true }).nullable(); // last check that read FieldDefinition
    t.text('error_code').nullable();
    t.text('error_message').nullable();
  });
  await knex.schema.createTable('field_changes', (t) => {
    t.bigIncrements('change_id').primary();
    t.string('org_id', 18).notNullable().references('orgs.org_id').onDelete('CASCADE');
    t.text('object').notNullable();
    t.text('field').nullable(); // null: the object itself
    t.text('change').notNullable();
    t.jsonb('before').nullable();
    t.jsonb('after').nullable();
    t.timestamp('at', { useTz: true }).notNullable();
  });
  await knex.raw(
    'CREATE INDEX field_changes_by_object ON field_changes (org_id, object, at DESC, change_id DESC)',
  );
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['field_changes', 'field_check_state', 'field_checks', 'field_definitions'])
    await knex.schema.dropTableIfExists(table);
}
