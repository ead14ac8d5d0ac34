/**
 * Writes record versions: packs go to the bucket first (putIfAbsent, content-addressed) with no
 * transaction open, then ONE short Postgres transaction locks the object's row, checks the lease and
 * the compare-and-set cursor, and commits the index rows, the counters and the cursor advance. An
 * upload's retries may take minutes: inside a transaction they would meet a managed PostgreSQL's
 * idle_in_transaction_session_timeout and hold the row lock lease renewals need. A crash or a refused
 * commit between the two leaves an orphan pack and an unmoved cursor: the records are read again and
 * the primary key (object, record id, SystemModstamp) deduplicates them. Versions already indexed are
 * filtered out before packing, so a re-read stores nothing twice and counts nothing twice; a re-read
 * whose content changed at the same SystemModstamp is stored as a revision (sortOutKnown). Progress
 * without new versions (a cursor that moves, a completed backfill) goes to the bucket as a progress
 * pack first, so rebuild-index restores it.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Knex } from 'knex';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  buildPacksFrom,
  buildProgressPack,
  packLocations,
  packSummary,
  type BuiltPack,
  type PackLine,
  type PackMeta,
} from '../packs/pack-builder.js';
import { PACK_CONTENT_TYPE, type PackCursor, type PackHeader } from '../packs/pack-format.js';
import { entryMatches } from '../packs/entry-hash.js';
import { assertObjectName, assertOrgId, packKey } from '../packs/pack-keys.js';
import { LeaseLostError } from '../registry/object-registry.js';
import { storeNow, type StoreContext } from '../store-context.js';
import { ensureObjectKey } from './objects-repository.js';
import {
  copyPreamble,
  copyTrailer,
  encodeBlockRows,
  encodeRows,
  VERSION_COLUMNS,
  VERSION_COPY_SQL,
} from './version-copy.js';
import {
  assertVersion,
  compareVersions,
  VERSION_LINE_TAIL,
  versionLineHead,
  type VersionInput,
} from './version-entry.js';

export interface WriteVersionsOptions {
  /** Where the object's cursor moves once these versions are indexed (never backwards). */
  cursor?: PackCursor;
  /** Compare-and-set: the cursor the caller last saw; a different stored cursor rejects the write. */
  expectedCursor?: PackCursor | null;
  /** The run lease the caller holds on the object: checked in the write's transaction (LeaseLostError). */
  lease?: string;
  /** Hash of the describe snapshot the versions were read with. */
  schemaHash?: string | null;
  /**
   * Packs of earlier writes that `cursor` also depends on (the other writes of a Bulk window or of a pass over
   * parent-id batches): named in the header's `requires`, so a rebuild restores the cursor only when they are there.
   */
  requires?: readonly string[];
}

export interface WriteVersionsResult {
  /** Versions newly indexed. */
  written: number;
  /** Versions that were already in the index (or repeated in the input). */
  duplicates: number;
  /** Records seen for the first time. */
  newRecords: number;
  /** Ids of the packs this write produced. */
  packs: string[];
}

export class CursorConflictError extends Error {
  constructor(
    readonly object: string,
    readonly expected: PackCursor | null,
    readonly actual: PackCursor | null,
  ) {
    super(`cursor of ${object} moved: expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}`);
    this.name = 'CursorConflictError';
  }
}

interface ObjectState {
  cursor_system_modstamp: Date | null;
  cursor_id: string | null;
  newest_version_at: Date | null;
  running_lease: string | null;
  backfill_completed_at: Date | null;
}

/** Sorted by (SystemModstamp, Id), without repeats of the same key. */
function sortedUnique(versions: readonly VersionInput[]): VersionInput[] {
  const sorted = [...versions].sort(compareVersions);
  return sorted.filter((v, i) => i === 0 || compareVersions(sorted[i - 1]!, v) !== 0);
}

/**
 * What of `versions` the index holds already, and what is new content at a SystemModstamp it holds. Salesforce
 * stamps to the second, so two saves in one second share a SystemModstamp, and fields that become readable change
 * what a re-read returns without a new one: a re-read whose content differs from every version stored for that
 * record and second is kept as the next **revision**, stamped one millisecond after the newest one stored (the
 * milliseconds of a Salesforce SystemModstamp are always zero, so revisions sort after the version they follow,
 * and everything that orders by SystemModstamp orders them right). Content is compared through the stored
 * entry check (entry-hash.ts) of the line the version would have at the stored version's stamp.
 */
async function sortOutKnown(
  knex: Knex,
  objectKey: number,
  versions: readonly VersionInput[],
  newest: Date | null,
): Promise<{ fresh: VersionInput[]; revisions: number }> {
  if (newest === null) return { fresh: [...versions], revisions: 0 };
  const newestIso = newest.toISOString();
  // Only versions at or before the newest indexed SystemModstamp can be known (the steady state skips this).
  const candidates = versions.filter((v) => v.systemModstamp <= newestIso);
  if (candidates.length === 0) return { fresh: [...versions], revisions: 0 };
  const result = await knex.raw<{
    rows: Array<{ record_id: string; asked: Date; system_modstamp: Date; hash: Buffer }>;
  }>(
    `SELECT v.record_id, k.system_modstamp AS asked, v.system_modstamp, v.hash
       FROM unnest(?::text[], ?::timestamptz[]) AS k(record_id, system_modstamp)
       JOIN versions v ON v.object_key = ? AND v.record_id = k.record_id
        AND v.system_modstamp >= k.system_modstamp AND v.system_modstamp < k.system_modstamp + interval '1 second'`,
    [candidates.map((v) => v.id), candidates.map((v) => v.systemModstamp), objectKey],
  );
  if (result.rows.length === 0) return { fresh: [...versions], revisions: 0 };
  const stored = new Map<string, Array<{ stamp: string; hash: Buffer }>>();
  for (const row of result.rows) {
    const key = `${row.record_id}|${row.asked.toISOString()}`;
    const list = stored.get(key) ?? [];
    list.push({ stamp: row.system_modstamp.toISOString(), hash: row.hash });
    stored.set(key, list);
  }
  const fresh: VersionInput[] = [];
  let revisions = 0;
  for (const v of versions) {
    const same = stored.get(`${v.id}|${v.systemModstamp}`);
    if (!same) {
      fresh.push(v);
      continue;
    }
    const fields = JSON.stringify(v.fields);
    const line = (stamp: string) =>
      Buffer.from(`${versionLineHead({ ...v, systemModstamp: stamp })}${fields}${VERSION_LINE_TAIL}`);
    if (same.some((s) => entryMatches(line(s.stamp), s.hash))) continue;
    const latest = Math.max(...same.map((s) => Date.parse(s.stamp)));
    const next = new Date(latest + 1);
    if (next.getTime() - Date.parse(v.systemModstamp) >= 1000)
      throw new Error(`${v.id}: more than 999 revisions at SystemModstamp ${v.systemModstamp}`);
    fresh.push({ ...v, systemModstamp: next.toISOString() });
    revisions++;
  }
  // Revisions moved in time: keep the order every pack and reader expects.
  return { fresh: revisions > 0 ? fresh.sort(compareVersions) : fresh, revisions };
}

function cursorOf(state: ObjectState): PackCursor | null {
  return state.cursor_system_modstamp && state.cursor_id
    ? { systemModstamp: state.cursor_system_modstamp.toISOString(), id: state.cursor_id }
    : null;
}

function sameCursor(a: PackCursor | null, b: PackCursor | null): boolean {
  return a === null || b === null ? a === b : a.systemModstamp === b.systemModstamp && a.id === b.id;
}

export async function writeVersions(
  store: StoreContext,
  orgId: string,
  object: string,
  versions: readonly VersionInput[],
  options: WriteVersionsOptions = {},
): Promise<WriteVersionsResult> {
  for (const v of versions) assertVersion(v);
  if (options.cursor)
    assertVersion({
      id: options.cursor.id,
      systemModstamp: options.cursor.systemModstamp,
      deleted: false,
      fields: {},
    });
  // Nothing to store and no cursor to move (a delete check that found nothing): no query at all. A lease lost
  // meanwhile is found by the caller's next write, which checks it.
  if (versions.length === 0 && !options.cursor) {
    assertOrgId(orgId);
    assertObjectName(object);
    return { written: 0, duplicates: 0, newRecords: 0, packs: [] };
  }
  const { knex } = store;
  const unique = sortedUnique(versions);

  const { objectKey, state } = await readStateByName(knex, orgId, object);
  assertMayWrite(object, objectKey, state, options);
  const { fresh } = await sortOutKnown(knex, objectKey, unique, state.newest_version_at);

  const writtenAt = storeNow(store).toISOString();
  const meta: PackMeta = {
    kind: 'versions',
    orgId,
    object,
    schemaHash: options.schemaHash ?? null,
    writtenAt,
    cursor: options.cursor ?? null,
    ...(options.requires ? { requires: options.requires } : {}),
  };
  const target = { orgId, objectKey, object };
  let prepared = NOTHING_TO_INDEX;
  if (fresh.length > 0) prepared = await packAndUpload(store, target, meta, fresh);
  // No new version but a cursor that moves: the bucket learns it too, or a rebuild would forget it.
  else if (options.cursor && isAfter(options.cursor, cursorOf(state)))
    prepared = await uploadProgressPack(store, target, meta);
  // Nothing to index and no cursor that moves (a delete check that found nothing, a re-read of known versions):
  // the write would change nothing, and its checks were made above (assertMayWrite).
  if (prepared.packs.length === 0)
    return { written: 0, duplicates: versions.length, newRecords: 0, packs: [] };

  const changes: ObjectChanges = { writtenAt, ...(options.cursor ? { cursor: options.cursor } : {}) };
  const totals = await knex.transaction(async (trx) => {
    // The copy's savepoint is set with the lock (one round trip): see indexPrepared.
    const current = await lockObject(trx, objectKey, { savepoint: fresh.length > 0 });
    // Fencing: a run whose lease was taken over while it read or uploaded must not write what the new holder may also write.
    assertLeaseIn(current, objectKey, options.lease);
    if (options.expectedCursor !== undefined && !sameCursor(options.expectedCursor, cursorOf(current))) {
      throw new CursorConflictError(object, options.expectedCursor, cursorOf(current));
    }
    return indexPrepared(trx, target, prepared, fresh, current.versions === 0, changes);
  });

  return {
    written: totals.versions,
    duplicates: versions.length - totals.versions,
    newRecords: totals.newRecords,
    packs: prepared.packs.map((p) => p.id),
  };
}

/**
 * Records that the object's backfill is complete: in the bucket first (a progress pack with the time and the
 * cursor it was reached at), then `objects.backfill_completed_at`, under the run's lease, so a rebuild restores it.
 * Nothing happens when it is recorded already.
 */
export async function recordBackfillComplete(
  store: StoreContext,
  orgId: string,
  object: string,
  at: Date,
  options: { lease?: string } = {},
): Promise<void> {
  const { knex } = store;
  const { objectKey, state } = await readStateByName(knex, orgId, object);
  if (state.backfill_completed_at) return;
  assertMayWrite(object, objectKey, state, options);
  const writtenAt = storeNow(store).toISOString();
  const target = { orgId, objectKey, object };
  const meta = { orgId, object, schemaHash: null, writtenAt, cursor: cursorOf(state) };
  const prepared = await uploadProgressPack(store, target, meta, at.toISOString());
  await knex.transaction(async (trx) => {
    assertLeaseIn(await lockObject(trx, objectKey), objectKey, options.lease);
    await indexPrepared(trx, target, prepared, [], false, { writtenAt, backfillCompletedAt: at });
  });
}

/** The columns of ObjectState. */
const STATE_COLUMNS = [
  'cursor_system_modstamp',
  'cursor_id',
  'newest_version_at',
  'running_lease',
  'backfill_completed_at',
] as const;

/** The object's key and state in one query; the object's row is made first when there is none yet. */
async function readStateByName(
  knex: Knex,
  orgId: string,
  object: string,
): Promise<{ objectKey: number; state: ObjectState }> {
  assertOrgId(orgId);
  assertObjectName(object);
  const row = await knex('objects')
    .where({ org_id: orgId, name: object })
    .first<(ObjectState & { object_key: number }) | undefined>('object_key', ...STATE_COLUMNS);
  if (row) return { objectKey: row.object_key, state: row };
  const objectKey = await ensureObjectKey(knex, orgId, object); // refuses an unknown org
  const state = await knex('objects')
    .where({ object_key: objectKey })
    .first<ObjectState>(...STATE_COLUMNS);
  return { objectKey, state };
}

/**
 * The object's row, locked until the transaction ends: one writer indexes and moves counters at a time. With
 * `savepoint`, the copy's savepoint (COPY_SAVEPOINT) is set in the same round trip, as a second statement of one
 * text (the key is an integer, written as a literal: a text with parameters may hold one statement only).
 */
async function lockObject(
  trx: Knex.Transaction,
  objectKey: number,
  options: { savepoint?: boolean } = {},
): Promise<{ versions: number } & ObjectState> {
  if (!options.savepoint)
    return trx('objects')
      .where({ object_key: objectKey })
      .forUpdate()
      .first<ObjectState & { versions: number }>(...STATE_COLUMNS, 'versions');
  if (!Number.isSafeInteger(objectKey)) throw new Error(`not an object key: ${objectKey}`);
  const connection = (await trx.client.acquireConnection()) as pg.PoolClient;
  const [locked] = (await connection.query(
    `SELECT ${[...STATE_COLUMNS, 'versions'].join(', ')} FROM objects WHERE object_key = ${objectKey} FOR UPDATE;
     SAVEPOINT ${COPY_SAVEPOINT}`,
  )) as unknown as [pg.QueryResult<{ versions: number } & ObjectState>];
  return locked.rows[0]!;
}

/** The lease check of assertLeaseHeld, on the object's row as lockObject read it (locked: no other query needed). */
function assertLeaseIn(locked: ObjectState, objectKey: number, lease: string | undefined): void {
  if (lease !== undefined && locked.running_lease !== lease) throw new LeaseLostError(objectKey);
}

/**
 * Refuses early, before anything is packed or uploaded, a write its transaction would refuse: a lease taken over
 * or a cursor that moved. The transaction checks both again under the row lock.
 */
function assertMayWrite(
  object: string,
  objectKey: number,
  state: ObjectState,
  options: Pick<WriteVersionsOptions, 'lease' | 'expectedCursor'>,
): void {
  if (options.lease !== undefined && state.running_lease !== options.lease)
    throw new LeaseLostError(objectKey);
  if (options.expectedCursor !== undefined && !sameCursor(options.expectedCursor, cursorOf(state)))
    throw new CursorConflictError(object, options.expectedCursor, cursorOf(state));
}

/** True when `cursor` is past `than` (as advanceCursor compares them), or `than` is null. */
function isAfter(cursor: PackCursor, than: PackCursor | null): boolean {
  return than === null || compareVersions(cursor, than) > 0;
}

/**
 * Packs durable in the bucket and what indexing them needs, all made before the transaction: the transaction
 * then only streams bytes (an upload can take minutes with retries; a transaction must not wait for it).
 */
interface PreparedPacks {
  packs: BuiltPack[];
  /** Keys taken from the packs sequence for the packs rows, one per versions pack (unused keys are harmless gaps). */
  packKeys: number[];
  /** The versions rows of every pack, in binary COPY format, with those keys. */
  rows: Buffer[];
}

const NOTHING_TO_INDEX: PreparedPacks = { packs: [], packKeys: [], rows: [] };

/**
 * Packs `fresh` and uploads the packs, as one pipeline: while later blocks are still compressing, the index rows
 * of placed blocks are encoded and finished packs upload. Returns once every pack is durable.
 */
async function packAndUpload(
  store: StoreContext,
  target: Target,
  meta: PackMeta,
  fresh: readonly VersionInput[],
): Promise<PreparedPacks> {
  const packKeys: number[] = [];
  const rows: Buffer[] = [];
  const uploads: Array<Promise<{ created: boolean }>> = [];
  const packs = await buildPacksFrom(
    meta,
    fresh,
    (v): PackLine => ({
      head: versionLineHead(v),
      json: JSON.stringify(v.fields),
      tail: VERSION_LINE_TAIL,
      systemModstamp: v.systemModstamp,
    }),
    store.packOptions,
    {
      onBlock: async (block) => {
        if (block.packIndex === packKeys.length) packKeys.push(await nextPackKey(store.knex));
        rows.push(
          encodeBlockRows(
            target.objectKey,
            packKeys[block.packIndex]!,
            block.block,
            fresh,
            block.firstLine,
            block.offsets,
            block.lengths,
            block.checksums,
          ),
        );
      },
      onPack: (pack) => {
        const upload = uploadPack(store, target, pack);
        upload.catch(() => {}); // awaited below, with the others
        uploads.push(upload);
      },
    },
  );
  // Durable in the bucket before anything points at them.
  const uploaded = await Promise.all(uploads);
  await reclaimFromCollection(
    store,
    target,
    packs.filter((_, i) => !uploaded[i]!.created),
  );
  return { packs, packKeys, rows };
}

/** A progress pack (no entries: the cursor, the packs it requires, maybe the backfill's completion), uploaded. */
async function uploadProgressPack(
  store: StoreContext,
  target: Target,
  meta: Omit<PackMeta, 'kind'>,
  backfillCompletedAt?: string,
): Promise<PreparedPacks> {
  const pack = await buildProgressPack(meta, {
    ...(backfillCompletedAt ? { backfillCompletedAt } : {}),
    ...(store.packOptions?.level !== undefined ? { level: store.packOptions.level } : {}),
  });
  await uploadOrReclaim(store, target, pack);
  return { packs: [pack], packKeys: [], rows: [] };
}

/** Uploads one pack; one already in the bucket (an identical earlier upload) is taken back from collection. */
export async function uploadOrReclaim(store: StoreContext, target: Target, pack: BuiltPack): Promise<void> {
  const { created } = await uploadPack(store, target, pack);
  if (!created) await reclaimFromCollection(store, target, [pack]);
}

function uploadPack(store: StoreContext, target: Target, pack: BuiltPack): Promise<{ created: boolean }> {
  return store.blobs.putIfAbsent(packKey(target.orgId, target.object, pack.id), pack.bytes, {
    contentType: PACK_CONTENT_TYPE,
  });
}

async function nextPackKey(knex: Knex): Promise<number> {
  const result = await knex.raw<{ rows: Array<{ key: string }> }>(
    `SELECT nextval(pg_get_serial_sequence('packs', 'pack_key')) AS key`,
  );
  return Number(result.rows[0]!.key);
}

/** The savepoint a write's COPY runs under (set by lockObject, with the lock). */
const COPY_SAVEPOINT = 'autobackup_copy_index';

/**
 * Indexes prepared packs inside the caller's transaction, which holds the object's row lock, and makes the object
 * row's `changes` with the counters. Versions go by binary COPY under COPY_SAVEPOINT (which the caller set, with
 * the lock); when some version turns out to be indexed already (another writer, an adopted orphan), the COPY is
 * rolled back to its savepoint and the packs are indexed row by row, skipping what exists.
 */
async function indexPrepared(
  trx: Knex.Transaction,
  target: Target,
  prepared: PreparedPacks,
  fresh: readonly VersionInput[],
  objectIsEmpty: boolean,
  changes: ObjectChanges,
): Promise<IndexTotals> {
  if (fresh.length > 0) {
    const copied = await copyPrepared(trx, target, prepared, fresh, objectIsEmpty, changes);
    if (copied) return copied;
  } else return indexProgressPacks(trx, target, prepared.packs, changes);
  const items: PackToIndex[] = prepared.packs.map((p) => ({
    pack: packSummary(p),
    rows: packLocations(p).map((loc, i) => {
      const v = fresh[p.firstLine + i]!;
      return { id: v.id, systemModstamp: v.systemModstamp, deleted: v.deleted, ...loc };
    }),
  }));
  const totals = await indexPacks(trx, target, items);
  await updateObjectRow(trx, target, totals, changes);
  return totals;
}

/**
 * The fast path of indexPrepared: COPY, then the packs rows with the object row's changes in one statement. Null
 * when a row or pack was indexed before (rolled back to COPY_SAVEPOINT, with the changes).
 */
async function copyPrepared(
  trx: Knex.Transaction,
  target: Target,
  prepared: PreparedPacks,
  fresh: readonly VersionInput[],
  objectIsEmpty: boolean,
  changes: ObjectChanges,
): Promise<IndexTotals | null> {
  const connection = (await trx.client.acquireConnection()) as pg.PoolClient;
  // Counted before any row of this batch exists, under the object's row lock: records with no version yet.
  const ids = [...new Set(fresh.map((v) => v.id))];
  const newRecords = objectIsEmpty ? ids.length : await countNewRecords(connection, target.objectKey, ids);
  let copied = true;
  try {
    await pipeline(Readable.from(copyChunks(prepared.rows)), connection.query(copyFrom(VERSION_COPY_SQL)));
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
    copied = false;
  }
  const totals = copied ? copiedTotals(prepared, fresh, newRecords) : null;
  if (!totals || !(await insertCopiedPackRows(trx, target, prepared, totals, changes))) {
    await connection.query(`ROLLBACK TO SAVEPOINT ${COPY_SAVEPOINT}`);
    return null;
  }
  // The savepoint is released with the commit.
  return totals;
}

/**
 * Progress packs (no entries) indexed with the object row's changes, in one statement: the counters only gain the
 * bytes of packs not indexed before (as indexPacks and applyCounters count them), and the day's stats only those.
 */
async function indexProgressPacks(
  trx: Knex.Transaction,
  target: Target,
  packs: readonly BuiltPack[],
  changes: ObjectChanges,
): Promise<IndexTotals> {
  const insert = packsInsert(packs.map((pack) => packRow(target, packSummary(pack))));
  const { sets, bindings } = objectRowChanges(changes);
  const result = await trx.raw<{ rows: Array<{ bytes: number }> }>(
    `WITH inserted AS (${insert.sql} RETURNING bytes),
     object_row AS (
       UPDATE objects SET ${['bytes = bytes + (SELECT coalesce(sum(bytes), 0) FROM inserted)', ...sets].join(', ')}
        WHERE object_key = ?
     ),
     day_row AS (
       INSERT INTO daily_stats (org_id, day, versions, bytes)
       SELECT ?, (?::timestamptz AT TIME ZONE 'UTC')::date, 0, sum(bytes) FROM inserted HAVING count(*) > 0
       ON CONFLICT (org_id, day) DO UPDATE SET bytes = daily_stats.bytes + EXCLUDED.bytes
     )
     SELECT coalesce(sum(bytes), 0)::bigint AS bytes FROM inserted`,
    [...insert.bindings, ...bindings, target.objectKey, target.orgId, changes.writtenAt],
  );
  return { ...emptyTotals(), packBytes: Number(result.rows[0]!.bytes) };
}

/** INSERT of packs rows (all with the same columns), skipping a pack indexed before. */
function packsInsert(rows: ReadonlyArray<Record<string, unknown>>): {
  sql: string;
  bindings: Knex.RawBinding[];
} {
  const columns = Object.keys(rows[0]!);
  const values = rows.map(() => `(${columns.map(() => '?').join(', ')})`);
  return {
    sql: `INSERT INTO packs (${columns.join(', ')}) VALUES ${values.join(', ')} ON CONFLICT (org_id, pack_id) DO NOTHING`,
    bindings: rows.flatMap((row) => columns.map((c) => row[c] as Knex.RawBinding)),
  };
}

/** What a COPY of every row of `prepared` added (each packs row is new, or the copy would not stand). */
function copiedTotals(
  prepared: PreparedPacks,
  fresh: readonly VersionInput[],
  newRecords: number,
): IndexTotals {
  const totals = emptyTotals();
  for (const pack of prepared.packs) {
    totals.packBytes += pack.bytes.length;
    for (const block of pack.blocks) for (const length of block.lengths) totals.rawBytes += length;
  }
  totals.versions = fresh.length;
  for (const v of fresh) if (v.deleted) totals.deletedVersions += 1;
  totals.newRecords = newRecords;
  totals.oldest = new Date(fresh[0]!.systemModstamp);
  totals.newest = new Date(fresh.at(-1)!.systemModstamp);
  return totals;
}

/** Bytes of index rows per write to the server (≈ 3,000 rows). */
const COPY_WRITE_BYTES = 256 * 1024;

/** The COPY stream: header, the rows in few large writes rather than one per block, trailer. */
function* copyChunks(rows: readonly Buffer[]): Generator<Buffer> {
  yield copyPreamble();
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for (const chunk of rows) {
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes >= COPY_WRITE_BYTES) {
      yield Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
  yield copyTrailer();
}

/** How many of `ids` (distinct record ids) have no version of the object yet. */
async function countNewRecords(
  connection: pg.PoolClient,
  objectKey: number,
  ids: readonly string[],
): Promise<number> {
  // One comma-separated text parameter: record ids are validated alphanumerics, and this spares
  // the driver quoting tens of thousands of array elements. `record_id = ANY(array)` makes one
  // index-only scan that walks the object's part of the primary key once for the whole sorted
  // array (PostgreSQL 17+ array keys), about a third of the CPU of one probe per id. The array
  // comes from a sub-select so the planner does not estimate each of its elements.
  const result = await connection.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (
       SELECT DISTINCT record_id FROM versions
        WHERE object_key = $2 AND record_id = ANY((SELECT string_to_array($1, ','))::text[])) AS existing`,
    [ids.join(','), objectKey],
  );
  return ids.length - result.rows[0]!.n;
}

/**
 * The packs rows for rows already copied, with the pack keys the copy used, and the object row's changes
 * (updateObjectRow), in one statement. False when a pack was indexed before (the same bytes written by an earlier
 * batch): the copied rows and the changes must then go.
 */
async function insertCopiedPackRows(
  trx: Knex.Transaction,
  target: Target,
  prepared: PreparedPacks,
  totals: IndexTotals,
  changes: ObjectChanges,
): Promise<boolean> {
  const insert = packsInsert(
    prepared.packs.map((pack, i) => ({
      pack_key: prepared.packKeys[i],
      ...packRow(target, packSummary(pack)),
    })),
  );
  const parts = [
    { name: 'inserted', sql: `${insert.sql} RETURNING pack_key`, bindings: insert.bindings },
    ...objectRowStatements(target, totals, changes),
  ];
  const result = await trx.raw<{ rows: Array<{ packs: number }> }>(
    `WITH ${parts.map((p) => `${p.name} AS (${p.sql})`).join(', ')}
     SELECT (SELECT count(*) FROM inserted)::int AS packs`,
    parts.flatMap((p) => p.bindings),
  );
  return result.rows[0]!.packs === prepared.packs.length;
}

/**
 * A pack that was already in the bucket (an identical earlier upload) may be marked for collection as an orphan.
 * Removing the mark waits for a sweep that holds it; the sweep deletes the blob before releasing the mark, so a
 * blob missing now was swept and is uploaded again. This runs before the indexing transaction: a mark made again
 * meanwhile (adoption) is only swept after its grace period, and the sweep spares a pack that is indexed by then.
 */
async function reclaimFromCollection(
  store: StoreContext,
  target: Target,
  packs: ReadonlyArray<{ id: string; bytes: Buffer }>,
): Promise<void> {
  if (packs.length === 0) return;
  const keys = packs.map((p) => packKey(target.orgId, target.object, p.id));
  await store.knex('orphan_packs').where({ org_id: target.orgId }).whereIn('bucket_key', keys).delete();
  for (const [i, pack] of packs.entries()) {
    if (!(await store.blobs.stat(keys[i]!)))
      await store.blobs.putIfAbsent(keys[i]!, pack.bytes, { contentType: PACK_CONTENT_TYPE });
  }
}

/** What indexing some packs added, for the counters. */
export interface IndexTotals {
  versions: number;
  deletedVersions: number;
  newRecords: number;
  rawBytes: number;
  /** Bucket bytes of packs that were not indexed before. */
  packBytes: number;
  oldest: Date | null;
  newest: Date | null;
}

/** One versions row to be: a record version and where its entry sits in the pack. */
export interface IndexRow {
  id: string;
  systemModstamp: string;
  deleted: boolean;
  block: number;
  offset: number;
  length: number;
  hash: Buffer;
}

/** A pack to index: what the packs row needs, and its versions (empty for a files pack). */
export interface PackToIndex {
  pack: { id: string; header: PackHeader; headerLength: number; blockOffsets: number[]; size: number };
  rows: readonly IndexRow[];
}

export type Target = { orgId: string; objectKey: number; object: string };

function emptyTotals(): IndexTotals {
  return {
    versions: 0,
    deletedVersions: 0,
    newRecords: 0,
    rawBytes: 0,
    packBytes: 0,
    oldest: null,
    newest: null,
  };
}

/** The packs row of a pack (without its key). */
export function packRow(target: Target, pack: PackToIndex['pack']): Record<string, unknown> {
  const header = pack.header;
  return {
    org_id: target.orgId,
    object_key: target.objectKey,
    pack_id: pack.id,
    kind: header.kind,
    bucket_key: packKey(target.orgId, target.object, pack.id),
    entry_count: header.count,
    bytes: pack.size,
    raw_bytes: header.blocks.reduce((n, b) => n + b.rawLength, 0),
    min_system_modstamp: header.minSystemModstamp,
    max_system_modstamp: header.maxSystemModstamp,
    header_length: pack.headerLength,
    block_offsets: pack.blockOffsets,
    block_lengths: header.blocks.map((b) => b.length),
    schema_hash: header.schemaHash,
    cursor_system_modstamp: header.cursor?.systemModstamp ?? null,
    cursor_id: header.cursor?.id ?? null,
    requires: header.requires,
    written_at: header.writtenAt,
    backfill_completed_at: header.backfillCompletedAt ?? null,
  };
}

/** Inserts the packs row (once); returns its key and whether it is new. */
async function insertPackRow(
  trx: Knex.Transaction,
  target: Target,
  item: PackToIndex,
): Promise<{ packKey: number; isNew: boolean }> {
  const { pack } = item;
  const inserted = await trx('packs')
    .insert(packRow(target, pack))
    .onConflict(['org_id', 'pack_id'])
    .ignore()
    .returning<Array<{ pack_key: number }>>('pack_key');
  if (inserted[0]) return { packKey: inserted[0].pack_key, isNew: true };
  const existing = await trx('packs')
    .where({ org_id: target.orgId, pack_id: pack.id })
    .first<{ pack_key: number }>('pack_key');
  return { packKey: existing.pack_key, isNew: false };
}

function addRowTotals(totals: IndexTotals, rows: readonly IndexRow[]): void {
  for (const row of rows) {
    totals.versions += 1;
    if (row.deleted) totals.deletedVersions += 1;
    totals.rawBytes += row.length;
  }
  if (rows.length === 0) return;
  let min = rows[0]!.systemModstamp;
  let max = min;
  for (const row of rows) {
    if (row.systemModstamp < min) min = row.systemModstamp;
    if (row.systemModstamp > max) max = row.systemModstamp;
  }
  if (!totals.oldest || new Date(min) < totals.oldest) totals.oldest = new Date(min);
  if (!totals.newest || new Date(max) > totals.newest) totals.newest = new Date(max);
}

/**
 * The fast path: packs rows, then every version row with COPY. Fails with a unique violation
 * (23505) if any version is already indexed; the caller then uses indexPacks.
 */
async function copyIndex(
  trx: Knex.Transaction,
  target: Target,
  items: readonly PackToIndex[],
  objectIsEmpty: boolean,
): Promise<IndexTotals> {
  const totals = emptyTotals();
  const packKeys: number[] = [];
  for (const item of items) {
    const { packKey: key, isNew } = await insertPackRow(trx, target, item);
    packKeys.push(key);
    if (isNew) totals.packBytes += item.pack.size;
    addRowTotals(totals, item.rows);
  }
  if (totals.versions === 0) return totals;
  const ids = [...new Set(items.flatMap((item) => item.rows.map((r) => r.id)))];
  const connection = (await trx.client.acquireConnection()) as pg.PoolClient;
  totals.newRecords = objectIsEmpty ? ids.length : await countNewRecords(connection, target.objectKey, ids);
  const chunks = function* (): Generator<Buffer> {
    yield copyPreamble();
    for (const [i, item] of items.entries()) {
      for (let start = 0; start < item.rows.length; start += 5000)
        yield encodeRows(target.objectKey, packKeys[i]!, item.rows.slice(start, start + 5000));
    }
    yield copyTrailer();
  };
  await pipeline(Readable.from(chunks()), connection.query(copyFrom(VERSION_COPY_SQL)));
  return totals;
}

/**
 * Indexes packs with COPY inside a savepoint (fast: the caller expects none of the versions to be
 * indexed yet); when some are (another writer, an adopted orphan), falls back to indexPacks, which
 * skips them. `objectIsEmpty` (the object had no versions, read under the object's row lock) spares
 * the new-records probe. The caller holds the object's row lock.
 */
export async function indexPacksPreferCopy(
  trx: Knex.Transaction,
  target: Target,
  items: readonly PackToIndex[],
  objectIsEmpty: boolean,
): Promise<IndexTotals> {
  try {
    return await trx.transaction((sp) => copyIndex(sp, target, items, objectIsEmpty));
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
    return indexPacks(trx, target, items);
  }
}

/**
 * Inserts packs rows and their version rows, skipping what is already indexed (ON CONFLICT DO
 * NOTHING), inside the caller's transaction; returns what was new. Used by rebuild-index and
 * orphan adoption, and by the writer when its fast path meets an existing row.
 */
export async function indexPacks(
  trx: Knex.Transaction,
  target: Target,
  items: readonly PackToIndex[],
): Promise<IndexTotals> {
  const totals = emptyTotals();
  for (const item of items) {
    const { packKey: packKeyValue, isNew } = await insertPackRow(trx, target, item);
    if (isNew) totals.packBytes += item.pack.size;
    if (item.rows.length === 0) continue;
    const rows = item.rows;
    const result = await trx.raw<{
      rows: Array<{
        versions: number;
        deleted_versions: number;
        raw_bytes: number;
        oldest: Date | null;
        newest: Date | null;
        new_records: number;
      }>;
    }>(
      `WITH incoming AS (
         SELECT * FROM unnest(?::text[], ?::timestamptz[], ?::boolean[], ?::int[], ?::int[], ?::int[], ?::text[])
           AS t(record_id, system_modstamp, deleted, block, entry_offset, entry_length, hash_hex)
       ), inserted AS (
         INSERT INTO versions (${VERSION_COLUMNS})
         SELECT ?, record_id, system_modstamp, deleted, ?, block, entry_offset, entry_length, decode(hash_hex, 'hex') FROM incoming
         ON CONFLICT DO NOTHING
         RETURNING record_id, system_modstamp, deleted, entry_length
       )
       SELECT count(*)::int AS versions,
              (count(*) FILTER (WHERE deleted))::int AS deleted_versions,
              coalesce(sum(entry_length), 0)::bigint AS raw_bytes,
              min(system_modstamp) AS oldest,
              max(system_modstamp) AS newest,
              -- the main query sees the table as it was before this statement: records with no earlier version are new
              (SELECT count(DISTINCT i.record_id) FROM inserted i
                WHERE NOT EXISTS (SELECT 1 FROM versions v WHERE v.object_key = ? AND v.record_id = i.record_id))::int AS new_records
         FROM inserted`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.systemModstamp),
        rows.map((r) => r.deleted),
        rows.map((r) => r.block),
        rows.map((r) => r.offset),
        rows.map((r) => r.length),
        rows.map((r) => r.hash.toString('hex')),
        target.objectKey,
        packKeyValue,
        target.objectKey,
      ],
    );
    const row = result.rows[0]!;
    totals.versions += row.versions;
    totals.deletedVersions += row.deleted_versions;
    totals.newRecords += row.new_records;
    totals.rawBytes += row.raw_bytes;
    if (row.oldest && (!totals.oldest || row.oldest < totals.oldest)) totals.oldest = row.oldest;
    if (row.newest && (!totals.newest || row.newest > totals.newest)) totals.newest = row.newest;
  }
  return totals;
}

/** Counters of the object and the org's per-day progress, in the caller's transaction (one statement). */
export async function applyCounters(
  trx: Knex.Transaction,
  orgId: string,
  objectKey: number,
  totals: IndexTotals,
  writtenAt: string,
): Promise<void> {
  await updateObjectRow(trx, { orgId, objectKey }, totals, { writtenAt });
}

/** What a write changes on the object's row besides its counters. */
interface ObjectChanges {
  /** When the write was made (the day of the org's stats, the object's last backup). */
  writtenAt: string;
  /** The cursor moves here, forward only (as advanceCursor). */
  cursor?: PackCursor;
  /** The backfill completed then, unless it was recorded before (as markBackfillComplete). */
  backfillCompletedAt?: Date;
}

/** One statement of a `WITH` list: its name, its text with `?` placeholders, its values. */
interface NamedStatement {
  name: string;
  sql: string;
  bindings: Knex.RawBinding[];
}

/**
 * The statements that bring the object's row and the org's day up to date after indexing `totals`: the counters
 * (when anything was added), the cursor and the backfill's completion in one UPDATE, and the day's stats.
 */
function objectRowStatements(
  target: Pick<Target, 'orgId' | 'objectKey'>,
  totals: IndexTotals,
  changes: ObjectChanges,
): NamedStatement[] {
  const counted = totals.versions !== 0 || totals.packBytes !== 0;
  const sets: string[] = [];
  const bindings: Knex.RawBinding[] = [];
  if (counted) {
    sets.push(
      `records = records + ?, versions = versions + ?, deleted_versions = deleted_versions + ?,
       raw_bytes = raw_bytes + ?, bytes = bytes + ?,
       oldest_version_at = LEAST(oldest_version_at, ?::timestamptz),
       newest_version_at = GREATEST(newest_version_at, ?::timestamptz),
       last_backup_at = CASE WHEN ? > 0 THEN GREATEST(last_backup_at, ?::timestamptz) ELSE last_backup_at END`,
    );
    bindings.push(
      totals.newRecords,
      totals.versions,
      totals.deletedVersions,
      totals.rawBytes,
      totals.packBytes,
      totals.oldest,
      totals.newest,
      totals.versions,
      changes.writtenAt,
    );
  }
  const moved = objectRowChanges(changes);
  sets.push(...moved.sets);
  bindings.push(...moved.bindings);
  const statements: NamedStatement[] = [];
  if (sets.length > 0)
    statements.push({
      name: 'object_row',
      sql: `UPDATE objects SET ${sets.join(', ')} WHERE object_key = ?`,
      bindings: [...bindings, target.objectKey],
    });
  if (counted)
    statements.push({
      name: 'day_row',
      sql: `INSERT INTO daily_stats (org_id, day, versions, bytes) VALUES (?, (?::timestamptz AT TIME ZONE 'UTC')::date, ?, ?)
            ON CONFLICT (org_id, day) DO UPDATE SET versions = daily_stats.versions + EXCLUDED.versions, bytes = daily_stats.bytes + EXCLUDED.bytes`,
      bindings: [target.orgId, changes.writtenAt, totals.versions, totals.packBytes],
    });
  return statements;
}

/** The SET items (and their values) of the cursor and the backfill's completion, when `changes` has them. */
function objectRowChanges(changes: ObjectChanges): { sets: string[]; bindings: Knex.RawBinding[] } {
  const sets: string[] = [];
  const bindings: Knex.RawBinding[] = [];
  if (changes.cursor) {
    // advanceCursor's condition, as a CASE: both columns are compared with the row as it was.
    const moves = `(cursor_system_modstamp IS NULL OR (cursor_system_modstamp, cursor_id COLLATE "C") < (?::timestamptz, ? COLLATE "C"))`;
    const { systemModstamp, id } = changes.cursor;
    sets.push(
      `cursor_system_modstamp = CASE WHEN ${moves} THEN ?::timestamptz ELSE cursor_system_modstamp END,
       cursor_id = CASE WHEN ${moves} THEN ? ELSE cursor_id END`,
    );
    bindings.push(systemModstamp, id, systemModstamp, systemModstamp, id, id);
  }
  if (changes.backfillCompletedAt) {
    sets.push('backfill_completed_at = coalesce(backfill_completed_at, ?)');
    bindings.push(changes.backfillCompletedAt);
  }
  return { sets, bindings };
}

/** objectRowStatements in one round trip (nothing when nothing changes). */
async function updateObjectRow(
  trx: Knex.Transaction,
  target: Pick<Target, 'orgId' | 'objectKey'>,
  totals: IndexTotals,
  changes: ObjectChanges,
): Promise<void> {
  const statements = objectRowStatements(target, totals, changes);
  if (statements.length === 0) return;
  await trx.raw(
    `WITH ${statements.map((s) => `${s.name} AS (${s.sql})`).join(', ')} SELECT 1`,
    statements.flatMap((s) => s.bindings),
  );
}

/** Moves the cursor forward only: (SystemModstamp, Id) compared as a pair. */
export async function advanceCursor(
  trx: Knex.Transaction,
  objectKey: number,
  cursor: PackCursor,
): Promise<void> {
  await trx.raw(
    `UPDATE objects SET cursor_system_modstamp = ?::timestamptz, cursor_id = ?
      WHERE object_key = ?
        AND (cursor_system_modstamp IS NULL OR (cursor_system_modstamp, cursor_id COLLATE "C") < (?::timestamptz, ? COLLATE "C"))`,
    [cursor.systemModstamp, cursor.id, objectKey, cursor.systemModstamp, cursor.id],
  );
}
