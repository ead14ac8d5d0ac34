/**
 * The API budget governor's shared state (salesforce/api-governor.ts, store/budget/api-ledger.ts): every call the
 * service makes to an org, counted per minute of the ORG's clock and per kind, so every replica sees the same
 * rolling 24 hours; one row per org with the latest API usage Salesforce reported and whether the org refused calls
 * (TotalRequests Limit exceeded); and, per object, the org time until which it waits for budget.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_budget', (t) => {
    t.string('org_id', 18).primary().references('orgs.org_id').onDelete('CASCADE');
    t.bigInteger('granted').notNullable().defaultTo(0); // calls granted so far: each grant's sequence number
    t.integer('usage_used').nullable(); // the latest Sforce-Limit-Info api-usage=used/max seen by any replica
    t.integer('usage_max').nullable();
    t.bigInteger('usage_seq').nullable(); // the grant whose response carried it
    t.timestamp('usage_at', { useTz: true }).nullable(); // org time of that response
    t.timestamp('blocked_until', { useTz: true }).nullable(); // org time; set when the org refused a call
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('api_calls', (t) => {
    t.string('org_id', 18).notNullable().references('orgs.org_id').onDelete('CASCADE');
    t.timestamp('minute', { useTz: true }).notNullable(); // org time, truncated to the minute
    t.text('kind').notNullable(); // backfill | check | schema | files
    t.integer('calls').notNullable();
    t.primary(['org_id', 'minute', 'kind']);
  });
  await knex.schema.alterTable('objects', (t) => {
    t.timestamp('budget_wait_until', { useTz: true }).nullable(); // org time; the object waits for API budget
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('objects', (t) => {
    t.dropColumn('budget_wait_until');
  });
  await knex.schema.dropTableIfExists('api_calls');
  await knex.schema.dropTableIfExists('api_budget');
}
