/**
 * Reading versions back from the index and the packs:
 * - a record's history, newest first (HTTP API);
 * - an object's versions, all or the state as of a time, streamed in the deterministic order
 *   (SystemModstamp, Id) through a server-side cursor, so the same backup gives the same bytes,
 *   also after rebuild-index;
 * - exportVersions: the CONTRACTS.md NDJSON lines.
 * Versions are read a page at a time: neighbouring blocks of a pack in one ranged read, packs in parallel.
 */
import type { Knex } from 'knex';
import type { BlobStore } from '../blob/blob-store.js';
import {
  entryFromBlock,
  inflateBlock,
  readCompressedBlocks,
  type EntryAddress,
} from '../packs/pack-reader.js';
import type { StoreContext } from '../store-context.js';
import { findObjectKey } from './objects-repository.js';
import { decodeVersionLine, exportLine, type VersionInput } from './version-entry.js';

export interface LocatedRow {
  bucket_key: string;
  block_offset: number;
  block_length: number;
  entry_offset: number;
  entry_length: number;
  hash: Buffer;
}

// Only what locates the entry: the record id, time and deleted flag are in the entry itself.
export const LOCATED_COLUMNS = `p.bucket_key,
  p.block_offsets[v.block + 1] AS block_offset, p.block_lengths[v.block + 1] AS block_length,
  v.entry_offset, v.entry_length, v.hash`;

function addressOf(row: LocatedRow): EntryAddress {
  return {
    key: row.bucket_key,
    blockOffset: Number(row.block_offset),
    blockLength: row.block_length,
    offset: row.entry_offset,
    length: row.entry_length,
    hash: row.hash,
  };
}

/** Uncompressed whole blocks, least recently used dropped first: an export's pages often share blocks. */
class BlockCache {
  private readonly blocks = new Map<string, Buffer>();
  constructor(private readonly capacity = 256) {}

  get(id: string): Buffer | undefined {
    const block = this.blocks.get(id);
    if (block) {
      this.blocks.delete(id);
      this.blocks.set(id, block);
    }
    return block;
  }

  set(id: string, block: Buffer): void {
    this.blocks.set(id, block);
    while (this.blocks.size > this.capacity) this.blocks.delete(this.blocks.keys().next().value!);
  }
}

const blockId = (a: EntryAddress) => `${a.key}@${a.blockOffset}`;

/**
 * Entry lines for rows, in row order. The blocks they need are read a pack at a time (neighbouring blocks in one
 * ranged read) and in parallel across packs. Without a cache (one record's history) each block is inflated only
 * as far as its last wanted entry; with one (an export) blocks are inflated whole and kept for the next page.
 */
export async function linesFor(
  blobs: BlobStore,
  rows: readonly LocatedRow[],
  cache?: BlockCache,
): Promise<Buffer[]> {
  const addresses = rows.map(addressOf);
  const blocks = new Map<string, Buffer>();
  const need = new Map<string, number>();
  const byPack = new Map<string, EntryAddress[]>();
  for (const a of addresses) {
    const id = blockId(a);
    const cached = cache?.get(id);
    if (cached) {
      blocks.set(id, cached);
      continue;
    }
    need.set(id, Math.max(need.get(id) ?? 0, a.offset + a.length));
    const list = byPack.get(a.key);
    if (list) list.push(a);
    else byPack.set(a.key, [a]);
  }
  await Promise.all(
    [...byPack].map(async ([key, list]) => {
      const compressed = await readCompressedBlocks(blobs, key, list);
      for (const [offset, bytes] of compressed) {
        const id = `${key}@${offset}`;
        const block = inflateBlock(bytes, cache ? undefined : need.get(id));
        blocks.set(id, block);
        cache?.set(id, block);
      }
    }),
  );
  return addresses.map((a) => entryFromBlock(blocks.get(blockId(a))!, a));
}

export interface StoredVersion {
  systemModstamp: string;
  deleted: boolean;
  fields: VersionInput['fields'];
}

/**
 * The versions of one record, newest first (empty when the record was never captured): all, or `limit` of them
 * older than `before` (an ISO time), so a caller can page back through a busy record.
 */
export async function recordHistory(
  store: StoreContext,
  orgId: string,
  object: string,
  recordId: string,
  options: { limit?: number; before?: string } = {},
): Promise<StoredVersion[]> {
  const objectKey = await findObjectKey(store.knex, orgId, object);
  if (objectKey === null) return [];
  return recordHistoryByKey(store, objectKey, recordId, options);
}

/** recordHistory for an object already resolved to its key (one round trip less). */
export async function recordHistoryByKey(
  store: StoreContext,
  objectKey: number,
  recordId: string,
  options: { limit?: number; before?: string } = {},
): Promise<StoredVersion[]> {
  const query = store.knex
    .select(store.knex.raw(LOCATED_COLUMNS))
    .from('versions as v')
    .join('packs as p', 'p.pack_key', 'v.pack_key')
    .where('v.object_key', objectKey)
    .andWhere('v.record_id', recordId)
    .orderBy('v.system_modstamp', 'desc');
  if (options.before !== undefined) query.andWhere('v.system_modstamp', '<', options.before);
  if (options.limit !== undefined) query.limit(options.limit);
  const rows = (await query) as LocatedRow[];
  const lines = await linesFor(store.blobs, rows);
  return lines.map((line) => {
    const v = decodeVersionLine(line);
    return { systemModstamp: v.systemModstamp, deleted: v.deleted, fields: v.fields };
  });
}

export interface ObjectVersionsOptions {
  /** The state as of this time: each record's latest version at or before it, deleted records left out. */
  asOf?: string;
  /** Rows fetched from Postgres per round trip. */
  pageSize?: number;
}

function objectVersionsSql(asOf: string | undefined): string {
  if (asOf === undefined) {
    return `SELECT ${LOCATED_COLUMNS} FROM versions v JOIN packs p ON p.pack_key = v.pack_key
             WHERE v.object_key = ? ORDER BY v.system_modstamp, v.record_id`;
  }
  return `SELECT ${LOCATED_COLUMNS} FROM (
            SELECT DISTINCT ON (record_id) * FROM versions
             WHERE object_key = ? AND system_modstamp <= ?::timestamptz
             ORDER BY record_id, system_modstamp DESC) v
          JOIN packs p ON p.pack_key = v.pack_key
          WHERE NOT v.deleted
          ORDER BY v.system_modstamp, v.record_id`;
}

/** An object's stored version lines (pack JSON, see version-entry.ts), in (SystemModstamp, Id) order. */
export async function* objectVersionLines(
  store: StoreContext,
  orgId: string,
  object: string,
  options: ObjectVersionsOptions = {},
): AsyncGenerator<Buffer> {
  if (options.asOf !== undefined && Number.isNaN(Date.parse(options.asOf)))
    throw new Error(`not a time: "${options.asOf}"`);
  const objectKey = await findObjectKey(store.knex, orgId, object);
  if (objectKey === null) return;
  const pageSize = options.pageSize ?? 5000;
  const cache = new BlockCache();
  const trx = await store.knex.transaction({ isolationLevel: 'repeatable read', readOnly: true });
  try {
    const params = options.asOf === undefined ? [objectKey] : [objectKey, options.asOf];
    await trx.raw(`DECLARE version_cursor NO SCROLL CURSOR FOR ${objectVersionsSql(options.asOf)}`, params);
    for (;;) {
      const page = await trx.raw<{ rows: LocatedRow[] }>(`FETCH ${pageSize} FROM version_cursor`);
      if (page.rows.length === 0) break;
      for (const line of await linesFor(store.blobs, page.rows, cache)) yield line;
    }
  } finally {
    await trx.rollback().catch(() => undefined);
  }
}

/** Parsed versions of an object, in (SystemModstamp, Id) order. */
export async function* objectVersions(
  store: StoreContext,
  orgId: string,
  object: string,
  options: ObjectVersionsOptions = {},
): AsyncGenerator<VersionInput> {
  for await (const line of objectVersionLines(store, orgId, object, options)) yield decodeVersionLine(line);
}

/**
 * CONTRACTS.md `export --format ndjson`: one line per version, each ending in a newline,
 * `{"object":"X","id":"…18","systemModstamp":ISO,"deleted":bool,"fields":{…}}`.
 */
export async function* exportVersions(
  store: StoreContext,
  orgId: string,
  object: string,
  options: ObjectVersionsOptions = {},
): AsyncGenerator<string> {
  for await (const line of objectVersionLines(store, orgId, object, options))
    yield exportLine(object, line) + '\n';
}

/** Names of the objects that have versions in the index, sorted. */
export async function objectsWithVersions(knex: Knex, orgId: string): Promise<string[]> {
  const rows = await knex('objects')
    .where({ org_id: orgId })
    .andWhere('versions', '>', 0)
    .orderBy('name')
    .select<Array<{ name: string }>>('name');
  return rows.map((r) => r.name).sort();
}
