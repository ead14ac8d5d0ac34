/**
 * Erasure tombstones (GDPR right to erasure): which record of which object was erased from the backup, when, by
 * whom and why. The same tombstone lives in the bucket (`orgs/{org}/erasures/…`, see
 * store/versions/erasure-markers.ts), so rebuild-index never brings an erased record back. A row restored from the
 * bucket knows the record only by `id_hash` (the bucket never holds the id in clear): `record_id` is then null.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('erasures', (t) => {
    t.bigIncrements('erasure_id').primary();
    t.string('org_id', 18).notNullable().references('orgs.org_id').onDelete('CASCADE');
    t.text('object').notNullable();
    t.specificType('record_id', 'text COLLATE "C"').nullable();
    t.text('id_hash').notNullable(); // SHA-256 of org/object/record id, as in the bucket marker's name
    t.timestamp('erased_at', { useTz: true }).notNullable(); // the tombstone's time (also in its bucket key)
    t.text('reason').nullable();
    t.text('requested_by').nullable();
    t.text('state').notNullable().defaultTo('pending'); // pending (work under way or interrupted) | done
    // Every SystemModstamp of the record the erasure found indexed: finds copies left in other packs on a re-run.
    t.specificType('version_stamps', 'timestamptz[]').notNullable().defaultTo('{}');
    t.integer('versions').notNullable().defaultTo(0); // index rows removed
    t.integer('packs_rewritten').notNullable().defaultTo(0);
    t.integer('packs_deleted').notNullable().defaultTo(0); // bucket objects deleted at once
    t.timestamp('completed_at', { useTz: true }).nullable();
    t.unique(['org_id', 'object', 'id_hash', 'erased_at']);
  });
  await knex.raw(
    `ALTER TABLE erasures ADD CONSTRAINT erasures_state_values CHECK (state IN ('pending', 'done'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('erasures');
}
