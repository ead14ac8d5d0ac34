/**
 * Progress packs (packs/pack-format.ts isProgressPack) may record when an object's backfill completed: the packs
 * row keeps it, so rebuild-index restores `objects.backfill_completed_at` from the bucket. Older releases leave it
 * null and ignore it.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('packs', (t) => {
    t.timestamp('backfill_completed_at', { useTz: true }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('packs', (t) => {
    t.dropColumn('backfill_completed_at');
  });
}
