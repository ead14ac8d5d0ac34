/** Which records the backup holds as existing: those whose newest version is not a delete. */
import type { Knex } from 'knex';

export async function liveRecordIds(knex: Knex, orgId: string, object: string): Promise<Set<string>> {
  return new Set(await newestLiveIds(knex, orgId, object));
}

/** Each record's newest indexed version at or before `asOf` (deletes included), from the index alone. */
export async function newestVersionsAsOf(
  knex: Knex,
  orgId: string,
  object: string,
  asOf: Date,
): Promise<Map<string, { systemModstamp: string; deleted: boolean }>> {
  const result = await knex.raw<{
    rows: Array<{ record_id: string; system_modstamp: Date; deleted: boolean }>;
  }>(
    `SELECT DISTINCT ON (v.record_id) v.record_id, v.system_modstamp, v.deleted
       FROM versions v JOIN objects o ON o.object_key = v.object_key
      WHERE o.org_id = ? AND o.name = ? AND v.system_modstamp <= ?
      ORDER BY v.record_id, v.system_modstamp DESC`,
    [orgId, object, asOf],
  );
  return new Map(
    result.rows.map((r) => [
      r.record_id,
      { systemModstamp: r.system_modstamp.toISOString(), deleted: r.deleted },
    ]),
  );
}

/** Counter check: the stored counters against the index rows (an audit; the dashboard never counts rows). */
export async function countersMatchIndex(
  knex: Knex,
  orgId: string,
  object: string,
): Promise<{
  counted: { versions: number; records: number };
  stored: { versions: number; records: number };
}> {
  const stored = await knex('objects')
    .where({ org_id: orgId, name: object })
    .first<{ versions: number; records: number; object_key: number }>('versions', 'records', 'object_key');
  if (!stored) return { counted: { versions: 0, records: 0 }, stored: { versions: 0, records: 0 } };
  const counted = await knex('versions')
    .where({ object_key: stored.object_key })
    .first<{ versions: number; records: number }>(
      knex.raw('count(*)::int AS versions'),
      knex.raw('count(DISTINCT record_id)::int AS records'),
    );
  return {
    counted: { versions: counted?.versions ?? 0, records: counted?.records ?? 0 },
    stored: { versions: stored.versions, records: stored.records },
  };
}

/** Whether the backup's newest version of each of `ids` is a delete (ids it holds nothing of are absent). */
export async function newestDeletedFlags(
  knex: Knex,
  orgId: string,
  object: string,
  ids: readonly string[],
): Promise<Map<string, boolean>> {
  if (ids.length === 0) return new Map();
  const result = await knex.raw<{ rows: Array<{ record_id: string; deleted: boolean }> }>(
    `SELECT DISTINCT ON (v.record_id) v.record_id, v.deleted
       FROM versions v JOIN objects o ON o.object_key = v.object_key
      WHERE o.org_id = ? AND o.name = ? AND v.record_id = ANY(?)
      ORDER BY v.record_id, v.system_modstamp DESC`,
    [orgId, object, [...ids]],
  );
  return new Map(result.rows.map((r) => [r.record_id, r.deleted]));
}

/**
 * The ids `liveRecordIds` would give, when there are at most `max` of them; undefined when there are more (a
 * caller that plans around a few ids is spared reading many).
 */
export async function liveRecordIdsAtMost(
  knex: Knex,
  orgId: string,
  object: string,
  max: number,
): Promise<string[] | undefined> {
  const ids = await newestLiveIds(knex, orgId, object, max + 1);
  return ids.length > max ? undefined : ids;
}

async function newestLiveIds(knex: Knex, orgId: string, object: string, limit?: number): Promise<string[]> {
  const result = await knex.raw<{ rows: Array<{ record_id: string }> }>(
    `SELECT record_id FROM (
       SELECT DISTINCT ON (v.record_id) v.record_id, v.deleted
         FROM versions v JOIN objects o ON o.object_key = v.object_key
        WHERE o.org_id = ? AND o.name = ?
        ORDER BY v.record_id, v.system_modstamp DESC
     ) newest WHERE NOT deleted${limit === undefined ? '' : ' LIMIT ?'}`,
    limit === undefined ? [orgId, object] : [orgId, object, limit],
  );
  return result.rows.map((r) => r.record_id);
}
