/**
 * Scheduling across replicas: per object, how its last slices went (consecutive failures, when to try again);
 * per org, its clock as last seen (the scheduler decides what is due by each org's own clock) and when its
 * bucket was last tended; and the tick coordinator, one row per tick slot, so one replica fires each slot.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('objects', (t) => {
    t.integer('failures').notNullable().defaultTo(0); // consecutive failed slices
    t.timestamp('retry_after', { useTz: true }).nullable(); // database time; a failing object waits until then
    t.timestamp('last_slice_at', { useTz: true }).nullable(); // database time the last slice ended
  });
  await knex.schema.alterTable('orgs', (t) => {
    t.bigInteger('clock_offset_ms').nullable(); // the org's clock − the database's, as last seen
    t.timestamp('clock_seen_at', { useTz: true }).nullable(); // database time the offset was last measured
    t.timestamp('maintained_at', { useTz: true }).nullable(); // database time of the last bucket maintenance
  });
  await knex.schema.createTable('scheduler_ticks', (t) => {
    t.text('slot').primary(); // the cron task's name and the slot's time, as node-cron names it
    t.text('replica').notNullable();
    t.timestamp('fired_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('scheduler_ticks');
  await knex.schema.alterTable('orgs', (t) => {
    t.dropColumn('clock_offset_ms');
    t.dropColumn('clock_seen_at');
    t.dropColumn('maintained_at');
  });
  await knex.schema.alterTable('objects', (t) => {
    t.dropColumn('failures');
    t.dropColumn('retry_after');
    t.dropColumn('last_slice_at');
  });
}
