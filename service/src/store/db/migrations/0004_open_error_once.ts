/**
 * One open error per (org, code, object, record): replicas recording the same failure at once used to insert it
 * twice (check, then insert). Open duplicates left by that are closed, the newest kept, before the unique index
 * makes the database refuse new ones.
 */
import type { Knex } from 'knex';

export const OPEN_ERROR_KEY = `(org_id, code, coalesce(object, ''), coalesce(record_id, ''))`;
export const OPEN_ERROR_WHERE = 'closed_at IS NULL AND dismissed_at IS NULL';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    `UPDATE errors e SET closed_at = now()
      WHERE ${OPEN_ERROR_WHERE}
        AND EXISTS (SELECT 1 FROM errors newer
                     WHERE newer.org_id = e.org_id AND newer.code = e.code
                       AND coalesce(newer.object, '') = coalesce(e.object, '')
                       AND coalesce(newer.record_id, '') = coalesce(e.record_id, '')
                       AND newer.closed_at IS NULL AND newer.dismissed_at IS NULL
                       AND newer.error_id > e.error_id)`,
  );
  await knex.raw(
    `CREATE UNIQUE INDEX errors_open_once ON errors ${OPEN_ERROR_KEY} WHERE ${OPEN_ERROR_WHERE}`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS errors_open_once');
}
