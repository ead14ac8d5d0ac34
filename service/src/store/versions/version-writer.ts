/**
 * Writes record versions: packs go to the bucket first (putIfAbsent, content-addressed), then the
 * index rows, the counters and the cursor advance commit in ONE Postgres transaction. A crash
 * between the two leaves an orphan pack and an unmoved cursor: the records are read again and the
 * primary key (object, record id, SystemModstamp) deduplicates them. Versions already indexed are
 * filtered out before packing, so a re-read stores nothing twice and counts nothing twice; a re-read
 * whose content changed at the same SystemModstamp is stored as a revision (sortOutKnown).
 */
import { Readable, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import type { Knex } from 'knex';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  buildPacksFrom,
  packLocations,
  packSummary,
  type BuiltPack,
  type PackLine,
  type PackMeta,
  type PlacedBlock,
} from '../packs/pack-builder.js';
import { PACK_CONTENT_TYPE, type PackCursor, type PackHeader } from '../packs/pack-format.js';
import { entryMatches } from '../packs/entry-hash.js';
import { packKey } from '../packs/pack-keys.js';
import { assertLeaseHeld } from '../registry/object-registry.js';
import { storeNow, type StoreContext } from '../store-context.js';
import { ensureObjectKey } from './objects-repository.js';
import {
  copyPreamble,
  copyTrailer,
  encodeBlockRows,
  encodeRows,
  VERSION_COLUMNS,
  VERSION_COPY_SQL,
  writeCopy,
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
  const { knex } = store;
  const objectKey = await ensureObjectKey(knex, orgId, object);
  const unique = sortedUnique(versions);

  const state = await knex('objects')
    .where({ object_key: objectKey })
    .first<ObjectState>('cursor_system_modstamp', 'cursor_id', 'newest_version_at');
  const { fresh } = await sortOutKnown(knex, objectKey, unique, state.newest_version_at);

  const writtenAt = storeNow(store).toISOString();
  const meta: PackMeta = {
    kind: 'versions',
    orgId,
    object,
    schemaHash: options.schemaHash ?? null,
    writtenAt,
    cursor: options.cursor ?? null,
  };
  const target = { orgId, objectKey, object };
  const { totals, packs } = await knex.transaction(async (trx) => {
    const current = await trx('objects')
      .where({ object_key: objectKey })
      .forUpdate()
      .first<ObjectState & { versions: number }>(
        'cursor_system_modstamp',
        'cursor_id',
        'newest_version_at',
        'versions',
      );
    // Fencing: a run whose lease was taken over while it read must not write what the new holder may also write.
    if (options.lease !== undefined) await assertLeaseHeld(trx, objectKey, options.lease);
    if (options.expectedCursor !== undefined && !sameCursor(options.expectedCursor, cursorOf(current))) {
      throw new CursorConflictError(object, options.expectedCursor, cursorOf(current));
    }
    const written = await packAndIndex(trx, store, target, meta, fresh, current.versions === 0);
    await applyCounters(trx, orgId, objectKey, written.totals, writtenAt);
    if (options.cursor) await advanceCursor(trx, objectKey, options.cursor);
    return written;
  });

  return {
    written: totals.versions,
    duplicates: versions.length - totals.versions,
    newRecords: totals.newRecords,
    packs: packs.map((p) => p.id),
  };
}

/**
 * Packs `fresh` and indexes it inside the caller's transaction (which holds the object's row lock),
 * as one pipeline: while later blocks are still compressing, the index rows of placed blocks
 * stream into Postgres by binary COPY and finished packs upload. Nothing is committed before
 * every pack is durable: the caller commits after this returns. When some version turns out to
 * be indexed already (another writer, an adopted orphan), the COPY is rolled back to its
 * savepoint and the packs are indexed row by row, skipping what exists.
 */
async function packAndIndex(
  trx: Knex.Transaction,
  store: StoreContext,
  target: Target,
  meta: PackMeta,
  fresh: readonly VersionInput[],
  objectIsEmpty: boolean,
): Promise<{ totals: IndexTotals; packs: BuiltPack[] }> {
  if (fresh.length === 0) return { totals: emptyTotals(), packs: [] };
  const connection = (await trx.client.acquireConnection()) as pg.PoolClient;
  // Queued on the connection before any row of this batch exists: records with no version yet.
  const ids = [...new Set(fresh.map((v) => v.id))];
  const newRecords = objectIsEmpty
    ? Promise.resolve(ids.length)
    : countNewRecords(connection, target.objectKey, ids);
  newRecords.catch(() => {});
  await connection.query('SAVEPOINT autobackup_copy_index');
  const copy = new IndexCopy(connection, target.objectKey);

  const uploads: Array<Promise<{ created: boolean }>> = [];
  let packs: BuiltPack[];
  try {
    packs = await buildPacksFrom(
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
        onBlock: (block) => copy.add(block, fresh),
        onPack: (pack) => {
          const upload = store.blobs.putIfAbsent(packKey(target.orgId, target.object, pack.id), pack.bytes, {
            contentType: PACK_CONTENT_TYPE,
          });
          upload.catch(() => {}); // awaited below, with the others
          uploads.push(upload);
        },
      },
    );
  } catch (err) {
    // The connection is still in COPY mode: end it (the server rolls the COPY back) so the
    // transaction can roll back instead of waiting behind it.
    await copy.abort(err as Error);
    throw err;
  }
  const copied = await copy.finish();
  // Durable in the bucket before anything points at them.
  const uploaded = await Promise.all(uploads);
  // After the savepoint is settled (a failed COPY leaves the transaction unusable until then).
  const reclaim = async () => {
    const reused = packs.filter((_, i) => !uploaded[i]!.created);
    if (reused.length > 0) await reclaimFromCollection(trx, store, target.orgId, target.object, reused);
  };

  if (copied && (await insertCopiedPackRows(trx, target, packs, copy.packKeys))) {
    await connection.query('RELEASE SAVEPOINT autobackup_copy_index');
    await reclaim();
    const totals = emptyTotals();
    for (const pack of packs) {
      totals.packBytes += pack.bytes.length; // every packs row is new, or the copy would not stand
      for (const block of pack.blocks) for (const length of block.lengths) totals.rawBytes += length;
    }
    totals.versions = fresh.length;
    for (const v of fresh) if (v.deleted) totals.deletedVersions += 1;
    totals.newRecords = await newRecords;
    totals.oldest = new Date(fresh[0]!.systemModstamp);
    totals.newest = new Date(fresh.at(-1)!.systemModstamp);
    return { totals, packs };
  }
  await connection.query('ROLLBACK TO SAVEPOINT autobackup_copy_index');
  await reclaim();
  const items: PackToIndex[] = packs.map((p) => ({
    pack: packSummary(p),
    rows: packLocations(p).map((loc, i) => {
      const v = fresh[p.firstLine + i]!;
      return { id: v.id, systemModstamp: v.systemModstamp, deleted: v.deleted, ...loc };
    }),
  }));
  return { totals: await indexPacks(trx, target, items), packs };
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
 * The packs rows for rows already copied, with the pack keys the copy used. False when a pack was
 * indexed before (the same bytes written by an earlier batch): the copied rows must then go.
 */
async function insertCopiedPackRows(
  trx: Knex.Transaction,
  target: Target,
  packs: readonly BuiltPack[],
  packKeys: readonly number[],
): Promise<boolean> {
  for (const [i, pack] of packs.entries()) {
    const inserted = await trx('packs')
      .insert({ pack_key: packKeys[i], ...packRow(target, packSummary(pack)) })
      .onConflict(['org_id', 'pack_id'])
      .ignore()
      .returning<Array<{ pack_key: number }>>('pack_key');
    if (!inserted[0]) return false;
  }
  return true;
}

/** Bytes of index rows per write to the server (≈ 3,000 rows). */
const COPY_WRITE_BYTES = 256 * 1024;

/**
 * Streams index rows into `versions` with binary COPY as blocks are placed; a new pack ends the
 * running COPY, takes the next pack key from the sequence on the same connection (so a writer never
 * needs a second connection) and starts the next. A failed COPY (a row already indexed) stops the
 * stream; finish() then reports false and the caller rolls back to its savepoint.
 */
class IndexCopy {
  readonly packKeys: number[] = [];
  private stream: Writable | null = null;
  private failure: Error | null = null;
  /** Rows not yet sent: the wire gets few large writes rather than one per block. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly connection: pg.PoolClient,
    private readonly objectKey: number,
  ) {}

  async add(block: PlacedBlock, rows: readonly VersionInput[]): Promise<void> {
    if (this.failure) return;
    try {
      if (block.packIndex === this.packKeys.length) await this.startPack();
      const chunk = encodeBlockRows(
        this.objectKey,
        this.packKeys[block.packIndex]!,
        block.block,
        rows,
        block.firstLine,
        block.offsets,
        block.lengths,
        block.checksums,
      );
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes >= COPY_WRITE_BYTES) await this.flush();
    } catch (err) {
      this.failure = err as Error;
    }
  }

  private async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const chunk = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    await writeCopy(this.stream!, chunk);
  }

  /** True when every row went in; rethrows anything but a unique violation. */
  async finish(): Promise<boolean> {
    if (!this.failure) {
      try {
        await this.endStream();
      } catch (err) {
        this.failure = err as Error;
      }
    }
    if (!this.failure) return true;
    if ((this.failure as { code?: string }).code !== '23505') throw this.failure;
    return false;
  }

  /** Ends a running COPY with a failure (CopyFail), for when the batch itself failed. */
  async abort(reason: Error): Promise<void> {
    const stream = this.stream;
    this.stream = null;
    this.pending = [];
    this.pendingBytes = 0;
    this.failure ??= reason;
    if (!stream) return;
    stream.destroy(reason);
    await finished(stream).catch(() => {});
  }

  private async startPack(): Promise<void> {
    await this.endStream();
    const result = await this.connection.query<{ key: string }>(
      `SELECT nextval(pg_get_serial_sequence('packs', 'pack_key')) AS key`,
    );
    this.packKeys.push(Number(result.rows[0]!.key));
    const stream = this.connection.query(copyFrom(VERSION_COPY_SQL));
    stream.on('error', (err: Error) => {
      this.failure ??= err;
    });
    stream.write(copyPreamble());
    this.stream = stream;
  }

  private async endStream(): Promise<void> {
    if (!this.stream) return;
    await this.flush();
    const stream = this.stream;
    this.stream = null;
    stream.end(copyTrailer());
    await finished(stream);
  }
}

/**
 * A pack that was already in the bucket (an identical earlier upload) may be marked for
 * collection as an orphan. Removing the mark waits for a sweep that holds it; the sweep deletes the
 * blob before releasing the mark, so a blob missing now was swept and is uploaded again.
 */
async function reclaimFromCollection(
  trx: Knex.Transaction,
  store: StoreContext,
  orgId: string,
  object: string,
  packs: ReadonlyArray<{ id: string; bytes: Buffer }>,
): Promise<void> {
  const keys = packs.map((p) => packKey(orgId, object, p.id));
  await trx('orphan_packs').where({ org_id: orgId }).whereIn('bucket_key', keys).delete();
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

type Target = { orgId: string; objectKey: number; object: string };

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

/** Counters of the object and the org's per-day progress, in the caller's transaction. */
export async function applyCounters(
  trx: Knex.Transaction,
  orgId: string,
  objectKey: number,
  totals: IndexTotals,
  writtenAt: string,
): Promise<void> {
  if (totals.versions === 0 && totals.packBytes === 0) return;
  await trx.raw(
    `UPDATE objects SET
       records = records + ?, versions = versions + ?, deleted_versions = deleted_versions + ?,
       raw_bytes = raw_bytes + ?, bytes = bytes + ?,
       oldest_version_at = LEAST(oldest_version_at, ?::timestamptz),
       newest_version_at = GREATEST(newest_version_at, ?::timestamptz),
       last_backup_at = CASE WHEN ? > 0 THEN GREATEST(last_backup_at, ?::timestamptz) ELSE last_backup_at END
     WHERE object_key = ?`,
    [
      totals.newRecords,
      totals.versions,
      totals.deletedVersions,
      totals.rawBytes,
      totals.packBytes,
      totals.oldest,
      totals.newest,
      totals.versions,
      writtenAt,
      objectKey,
    ],
  );
  await trx.raw(
    `INSERT INTO daily_stats (org_id, day, versions, bytes) VALUES (?, (?::timestamptz AT TIME ZONE 'UTC')::date, ?, ?)
     ON CONFLICT (org_id, day) DO UPDATE SET versions = daily_stats.versions + EXCLUDED.versions, bytes = daily_stats.bytes + EXCLUDED.bytes`,
    [orgId, writtenAt, totals.versions, totals.packBytes],
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
