/** The `erasures` table: one tombstone row per erasure of a record (see 0009_erasures.ts). */
import type { Knex } from 'knex';

export interface ErasureRow {
  erasureId: string;
  recordId: string | null;
  idHash: string;
  erasedAt: Date;
  reason: string | null;
  requestedBy: string | null;
  state: 'pending' | 'done';
  versionStamps: Date[];
  versions: number;
  packsRewritten: number;
  packsDeleted: number;
  completedAt: Date | null;
}

interface Row {
  erasure_id: string;
  record_id: string | null;
  id_hash: string;
  erased_at: Date;
  reason: string | null;
  requested_by: string | null;
  state: 'pending' | 'done';
  version_stamps: Date[];
  versions: number;
  packs_rewritten: number;
  packs_deleted: number;
  completed_at: Date | null;
}

function fromRow(r: Row): ErasureRow {
  return {
    erasureId: String(r.erasure_id),
    recordId: r.record_id,
    idHash: r.id_hash,
    erasedAt: r.erased_at,
    reason: r.reason,
    requestedBy: r.requested_by,
    state: r.state,
    versionStamps: r.version_stamps,
    versions: r.versions,
    packsRewritten: r.packs_rewritten,
    packsDeleted: r.packs_deleted,
    completedAt: r.completed_at,
  };
}

/** The record's erasures, newest first (rows restored from the bucket match by hash). */
export async function erasuresOf(
  knex: Knex,
  orgId: string,
  object: string,
  idHash: string,
): Promise<ErasureRow[]> {
  const rows = await knex('erasures')
    .where({ org_id: orgId, object, id_hash: idHash })
    .orderBy('erased_at', 'desc')
    .select<Row[]>('*');
  return rows.map(fromRow);
}

/** Starts an erasure (its tombstone row, state pending). */
export async function beginErasure(
  knex: Knex,
  e: {
    orgId: string;
    object: string;
    recordId: string;
    idHash: string;
    erasedAt: Date;
    reason: string | null;
    by: string | null;
    stamps: readonly Date[];
  },
): Promise<ErasureRow> {
  const [row] = await knex('erasures')
    .insert({
      org_id: e.orgId,
      object: e.object,
      record_id: e.recordId,
      id_hash: e.idHash,
      erased_at: e.erasedAt,
      reason: e.reason,
      requested_by: e.by,
      version_stamps: e.stamps,
    })
    .returning<Row[]>('*');
  return fromRow(row!);
}

/** Adds stamps the erasure found (a re-run may find the index changed, e.g. an orphan adopted). */
export async function addErasureStamps(
  knex: Knex,
  erasureId: string,
  stamps: readonly Date[],
): Promise<void> {
  if (stamps.length === 0) return;
  await knex.raw(
    `UPDATE erasures SET version_stamps = ARRAY(SELECT DISTINCT s FROM unnest(version_stamps || ?::timestamptz[]) AS s ORDER BY s)
      WHERE erasure_id = ?`,
    [[...stamps], erasureId],
  );
}

/** Counts what one step of the erasure did (in the step's own transaction, so a crash counts nothing twice). */
export async function countErasureWork(
  db: Knex,
  erasureId: string,
  work: { versions?: number; packsRewritten?: number; packsDeleted?: number },
): Promise<void> {
  await db('erasures')
    .where({ erasure_id: erasureId })
    .increment({
      versions: work.versions ?? 0,
      packs_rewritten: work.packsRewritten ?? 0,
      packs_deleted: work.packsDeleted ?? 0,
    });
}

export async function finishErasure(knex: Knex, erasureId: string, at: Date): Promise<ErasureRow> {
  const [row] = await knex('erasures')
    .where({ erasure_id: erasureId })
    .update({ state: 'done', completed_at: at })
    .returning<Row[]>('*');
  return fromRow(row!);
}
