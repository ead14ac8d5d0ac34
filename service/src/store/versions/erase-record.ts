/**
 * Erasure of one record from the backup (GDPR right to erasure), although packs are immutable:
 *
 * 1. The tombstone: an `erasures` row (pending), then the bucket marker (erasure-markers.ts), so from here on a
 *    rebuild or an orphan adoption leaves the record's lines out of the index.
 * 2. Packs the index does not know that hold the record: unmarked orphans are adopted first (they may hold other
 *    records' versions the index lacks; the marker keeps this record out), marked ones wait for step 4.
 * 3. Every indexed pack holding the record is rewritten alone through the compaction path (compact-packs.ts
 *    rewritePack): a new pack that `replaces` it, without the record's lines; in the same transaction the record's
 *    index rows go and the counters (objects, daily_stats) drop by what went. The old pack is marked for the sweep.
 *    `files` packs holding its mapping lines are rewritten the same way (files/rewrite-file-pack.ts), their commit
 *    deleting the record's `files` rows and re-pointing the other mappings at the new pack.
 * 4. Rows elsewhere naming the record (errors, file mappings left: failed ones) go, then each body it mapped that
 *    no other mapping names. The bodies are known from its rows and from its lines in the old `files` packs, which
 *    are still in the bucket until step 5, so a run cut short before it deletes them finds them again.
 * 5. The old packs are swept at once (no grace period: see ARCHITECTURE.md "Erasure" for why that is acceptable),
 *    and the tombstone is marked done.
 *
 * The caller holds the object's run lease, which fences backup writers; every rewrite checks it. Each step is
 * idempotent, so a run cut short is finished by running it again (the pending row is picked up).
 */
import type { Knex } from 'knex';
import { fileBodyKey } from '../files/file-bodies.js';
import { forgetFileRows } from '../files/file-mappings.js';
import {
  fileRowsOf,
  indexedFilePacksHolding,
  mappedBodies,
  type HeldFilePack,
} from '../files/file-packs-holding-record.js';
import { rewriteFilePack } from '../files/rewrite-file-pack.js';
import type { StoreContext } from '../store-context.js';
import { storeNow } from '../store-context.js';
import { LOWEST_RECORD_ID, rewritePack } from './compact-packs.js';
import {
  addErasureStamps,
  beginErasure,
  countErasureWork,
  erasuresOf,
  finishErasure,
  type ErasureRow,
} from './erasure-log.js';
import { ERASURE_FORMAT, erasureIdHash, writeErasureMarker } from './erasure-markers.js';
import {
  indexedPacksHolding,
  indexedStamps,
  loosePacksHolding,
  type HeldPack,
} from './packs-holding-record.js';
import { collectOrphanPacks, rebuildIndex } from './rebuild-index.js';

export interface EraseTarget {
  orgId: string;
  object: string;
  objectKey: number;
}

export interface EraseOptions {
  reason?: string | null;
  /** Who asked (kept with the tombstone). */
  by?: string | null;
  /** The object's run lease the caller holds; every rewrite checks it (LeaseLostError). */
  lease?: string;
  /** Say what would be done, change nothing. */
  dryRun?: boolean;
}

export type ErasureOutcome = 'erased' | 'already-erased' | 'not-in-backup' | 'would-erase';

export interface RecordErasure {
  recordId: string;
  outcome: ErasureOutcome;
  /** This erasure's tombstone time, or the earlier one's when the record was erased before. */
  erasedAt: string | null;
  /** Index rows removed (a dry run: that would be). */
  versions: number;
  /** Packs rewritten without the record (versions and `files` packs). */
  packsRewritten: number;
  /** Bucket packs deleted (old packs and orphans holding the record). */
  packsDeleted: number;
  /** Other rows naming the record that were removed: open or closed errors, file mappings. */
  errorRows: number;
  fileMappings: number;
  /** Bucket keys of the packs that hold the record (a dry run), and packs that could not be read. */
  packs: string[];
  unreadable: string[];
}

/** A rewrite may find its pack compacted meanwhile; the search is repeated this often at most. */
const MAX_ROUNDS = 5;

function unionStamps(...lists: ReadonlyArray<readonly Date[]>): Date[] {
  const ms = new Set(lists.flat().map((d) => d.getTime()));
  return [...ms].sort((a, b) => a - b).map((t) => new Date(t));
}

/** The tombstone's time: now, and never before a pack holding the record was written (hosts' clocks differ). */
function tombstoneTime(store: StoreContext, packs: readonly HeldPack[]): Date {
  const times = [storeNow(store).getTime(), ...packs.map((p) => p.writtenAt.getTime())];
  return new Date(Math.max(...times));
}

function result(recordId: string, outcome: ErasureOutcome, rest: Partial<RecordErasure> = {}): RecordErasure {
  return {
    recordId,
    outcome,
    erasedAt: null,
    versions: 0,
    packsRewritten: 0,
    packsDeleted: 0,
    errorRows: 0,
    fileMappings: 0,
    packs: [],
    unreadable: [],
    ...rest,
  };
}

export async function eraseRecord(
  store: StoreContext,
  target: EraseTarget,
  recordId: string,
  options: EraseOptions = {},
): Promise<RecordErasure> {
  const { knex } = store;
  const { orgId, object, objectKey } = target;
  const idHash = erasureIdHash(orgId, object, recordId);
  const history = await erasuresOf(knex, orgId, object, idHash);
  const pending = history.find((e) => e.state === 'pending');
  // Its stamps: those of its versions and file mappings (the same ones, unless the index lost some).
  const fileRows = await fileRowsOf(knex, orgId, object, recordId);
  const versionStamps = await indexedStamps(knex, objectKey, recordId);
  const stamps = unionStamps(versionStamps, fileRows.stamps);
  const known = unionStamps(stamps, ...history.map((e) => e.versionStamps));
  const loose = await loosePacksHolding(store, orgId, object, objectKey, recordId);
  const indexed = await indexedPacksHolding(store, objectKey, recordId, known);
  const indexedFiles = await indexedFilePacksHolding(store, target, recordId, known);
  const held = [...indexed, ...indexedFiles, ...loose.held];
  if (!pending && stamps.length === 0 && held.length === 0) {
    const last = history[0];
    return last
      ? result(recordId, 'already-erased', {
          erasedAt: last.erasedAt.toISOString(),
          unreadable: loose.unreadable,
        })
      : result(recordId, 'not-in-backup', { unreadable: loose.unreadable });
  }
  if (options.dryRun)
    return result(recordId, 'would-erase', {
      versions: versionStamps.length,
      packsRewritten: indexed.length + indexedFiles.length,
      packsDeleted: held.length,
      packs: held.map((p) => p.bucketKey),
      unreadable: loose.unreadable,
    });

  const erasure = pending ?? (await begin(store, target, recordId, idHash, stamps, held, options));
  if (pending) await addErasureStamps(knex, pending.erasureId, stamps);
  await writeErasureMarker(store.blobs, {
    format: ERASURE_FORMAT,
    version: 1,
    orgId,
    object,
    idHash,
    erasedAt: erasure.erasedAt.toISOString(),
    reason: erasure.reason,
    by: erasure.requestedBy,
  });

  const unmarked = loose.held.filter((p) => !p.marked).map((p) => p.bucketKey);
  if (unmarked.length > 0) await rebuildIndex(store, orgId, { onlyKeys: new Set(unmarked) });
  const oldKeys = new Set(loose.held.map((p) => p.bucketKey));
  const rewritten = await rewriteHoldingPacks(
    store,
    target,
    recordId,
    erasure,
    known,
    unmarked,
    options.lease,
  );
  for (const key of rewritten) oldKeys.add(key);
  const files = await rewriteHoldingFilePacks(
    store,
    target,
    recordId,
    erasure,
    known,
    unmarked,
    options.lease,
  );
  for (const key of files.oldKeys) oldKeys.add(key);

  // Every body the record mapped, as its rows and its lines in any pack (old ones not yet swept too) name them.
  const bodies = new Set([
    ...fileRows.bodies,
    ...indexedFiles.flatMap((p) => p.bodies),
    ...loose.held.filter((p) => p.kind === 'files').flatMap((p) => mappedBodies(p.lines)),
    ...files.bodies,
  ]);
  const traces = await dropRecordTraces(store, orgId, object, recordId, bodies);
  const swept = await collectOrphanPacks(store, orgId, { graceMs: 0, keys: [...oldKeys] });
  await countErasureWork(knex, erasure.erasureId, { packsDeleted: swept.length });
  const done = await finishErasure(knex, erasure.erasureId, storeNow(store));
  return result(recordId, 'erased', {
    erasedAt: done.erasedAt.toISOString(),
    versions: done.versions,
    packsRewritten: done.packsRewritten,
    packsDeleted: done.packsDeleted,
    errorRows: traces.errorRows,
    fileMappings: traces.fileMappings + files.mappings,
    unreadable: loose.unreadable,
  });
}

function begin(
  store: StoreContext,
  target: EraseTarget,
  recordId: string,
  idHash: string,
  stamps: readonly Date[],
  held: readonly HeldPack[],
  options: EraseOptions,
): Promise<ErasureRow> {
  return beginErasure(store.knex, {
    orgId: target.orgId,
    object: target.object,
    recordId,
    idHash,
    erasedAt: tombstoneTime(store, held),
    reason: options.reason ?? null,
    by: options.by ?? null,
    stamps,
  });
}

/** Rewrites every indexed pack holding the record until none is left; the old packs' bucket keys. */
async function rewriteHoldingPacks(
  store: StoreContext,
  target: EraseTarget,
  recordId: string,
  erasure: ErasureRow,
  known: readonly Date[],
  adopted: readonly string[],
  lease: string | undefined,
): Promise<string[]> {
  const old: string[] = [];
  // Adopted orphans may have added stamps the search must cover.
  const stamps = unionStamps(known, await indexedStamps(store.knex, target.objectKey, recordId));
  for (let round = 0; ; round++) {
    const todo = await indexedPacksHolding(store, target.objectKey, recordId, stamps, adopted);
    if (todo.length === 0) return old;
    if (round === MAX_ROUNDS)
      throw new Error(`erasure of ${target.object} ${recordId}: its packs kept changing; run erase again`);
    for (const pack of todo) {
      const size = await rewritePack(store, target.orgId, pack.packKey, {
        drop: new Set([recordId]),
        ...(lease !== undefined ? { lease } : {}),
        beforeSwap: (trx, sourceKeys, writtenAt) =>
          dropRecordRows(trx, target, recordId, sourceKeys, writtenAt, erasure.erasureId),
      });
      if (size !== null) old.push(pack.bucketKey);
    }
  }
}

/**
 * Rewrites every indexed `files` pack holding the record's mapping lines until none is left: the old packs' bucket
 * keys, the record's rows their commits deleted and the bodies those named.
 */
async function rewriteHoldingFilePacks(
  store: StoreContext,
  target: EraseTarget,
  recordId: string,
  erasure: ErasureRow,
  known: readonly Date[],
  adopted: readonly string[],
  lease: string | undefined,
): Promise<{ oldKeys: string[]; mappings: number; bodies: string[] }> {
  const done = { oldKeys: [] as string[], mappings: 0, bodies: [] as string[] };
  for (let round = 0; ; round++) {
    const todo: HeldFilePack[] = await indexedFilePacksHolding(store, target, recordId, known, adopted);
    if (todo.length === 0) return done;
    if (round === MAX_ROUNDS)
      throw new Error(
        `erasure of ${target.object} ${recordId}: its file packs kept changing; run erase again`,
      );
    for (const pack of todo) {
      done.bodies.push(...pack.bodies);
      const rewrite = await rewriteFilePack(store, target.orgId, pack.packKey, recordId, {
        ...(lease !== undefined ? { lease } : {}),
        inCommit: (trx) => countErasureWork(trx, erasure.erasureId, { packsRewritten: 1 }),
      });
      if (!rewrite) continue;
      done.oldKeys.push(rewrite.oldKey);
      done.mappings += rewrite.mappings;
      done.bodies.push(...rewrite.bodies);
    }
  }
}

/**
 * In a rewrite's commit: the record's index rows in the rewritten pack go, and the counters the dashboard reads
 * drop by them (versions, deleted versions, raw bytes, records once its last version is gone, the day's versions,
 * and the coverage bounds when the record held one).
 */
async function dropRecordRows(
  trx: Knex.Transaction,
  target: EraseTarget,
  recordId: string,
  sourceKeys: number[],
  writtenAt: Date,
  erasureId: string,
): Promise<void> {
  const { objectKey } = target;
  const gone = await trx.raw<{
    rows: Array<{
      versions: number;
      deleted_versions: number;
      raw_bytes: string;
      oldest: Date;
      newest: Date;
    }>;
  }>(
    `WITH gone AS (
       DELETE FROM versions WHERE object_key = ? AND record_id = ? AND pack_key = ANY (?::int[])
       RETURNING system_modstamp, deleted, entry_length)
     SELECT count(*)::int AS versions, (count(*) FILTER (WHERE deleted))::int AS deleted_versions,
            coalesce(sum(entry_length), 0)::bigint AS raw_bytes, min(system_modstamp) AS oldest,
            max(system_modstamp) AS newest
       FROM gone`,
    [objectKey, recordId, sourceKeys],
  );
  const g = gone.rows[0]!;
  await countErasureWork(trx, erasureId, { versions: g.versions, packsRewritten: 1 });
  if (g.versions === 0) return;
  const remains = await trx('versions')
    .where({ object_key: objectKey, record_id: recordId })
    .first('record_id');
  await trx.raw(
    `UPDATE objects SET versions = versions - ?, deleted_versions = deleted_versions - ?,
            raw_bytes = raw_bytes - ?, records = records - ?
      WHERE object_key = ?`,
    [g.versions, g.deleted_versions, g.raw_bytes, remains ? 0 : 1, objectKey],
  );
  await trx.raw(
    `UPDATE daily_stats SET versions = versions - ? WHERE org_id = ? AND day = (?::timestamptz AT TIME ZONE 'UTC')::date`,
    [g.versions, target.orgId, writtenAt.toISOString()],
  );
  // Coverage: only when the record held the oldest or newest version (reading the bounds scans the object's rows).
  await trx.raw(
    `UPDATE objects SET oldest_version_at = (SELECT min(system_modstamp) FROM versions WHERE object_key = ?)
      WHERE object_key = ? AND oldest_version_at >= ?`,
    [objectKey, objectKey, g.oldest],
  );
  await trx.raw(
    `UPDATE objects SET newest_version_at = (SELECT max(system_modstamp) FROM versions WHERE object_key = ?)
      WHERE object_key = ? AND newest_version_at <= ?`,
    [objectKey, objectKey, g.newest],
  );
}

/**
 * Other rows that name the record: its errors (their messages may quote its values) and the file mappings no
 * rewrite took (failed ones, rows of a pack the index lost), with the object's file counters; then each body in
 * `bodies` (those the record mapped) that no other mapping of the org names is deleted from the bucket.
 */
async function dropRecordTraces(
  store: StoreContext,
  orgId: string,
  object: string,
  recordId: string,
  bodies: ReadonlySet<string>,
): Promise<{ errorRows: number; fileMappings: number }> {
  const traces = await store.knex.transaction(async (trx) => {
    const errorRows = await trx('errors').where({ org_id: orgId, object, record_id: recordId }).delete();
    const files = await forgetFileRows(trx, orgId, object, (q) => q.where({ record_id: recordId }));
    // The object's cursors name the record when it was the last one a batch read (compact-packs.ts cursorWithout).
    await trx('objects')
      .where({ org_id: orgId, name: object, cursor_id: recordId })
      .update({ cursor_id: LOWEST_RECORD_ID });
    await trx('objects')
      .where({ org_id: orgId, name: object, refresh_cursor_id: recordId })
      .update({ refresh_cursor_id: LOWEST_RECORD_ID });
    return { errorRows, fileMappings: files.rows };
  });
  for (const sha256 of bodies) {
    const named = await store.knex('files').where({ org_id: orgId, sha256 }).first('record_id');
    if (!named) await store.blobs.delete(fileBodyKey(orgId, sha256));
  }
  return traces;
}
