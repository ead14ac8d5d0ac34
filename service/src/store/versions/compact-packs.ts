/**
 * Compaction: the small packs a continuous backup leaves (a few versions every pass) are merged
 * into packs of ordinary size, so an object does not end up as hundreds of thousands of tiny bucket
 * objects (listing, rebuild and per-operation costs grow with their number).
 *
 * What merges: `versions` packs under `smallBytes` that form a batch of their own (no `requires`,
 * named by no other pack's `requires`), of one object, describe snapshot and UTC day, from days
 * that are over. Keeping to one day keeps the per-day figures a rebuild derives from `writtenAt`
 * equal to the live ones; keeping to whole batches keeps every cursor restorable.
 *
 * How, per group: the entries the index points at in the sources are read back (verified), sorted
 * by (SystemModstamp, Id) and written as ONE new pack whose header names the sources (`replaces`),
 * carries their latest cursor and their latest `writtenAt`. Once it is durable, one transaction
 * re-points the index rows, swaps the packs rows and adjusts the byte counters; the sources are
 * then marked for the orphan sweep, which deletes them after its grace period (readers holding old
 * addresses keep working until then). A crash before the commit leaves an orphan merged pack that
 * adds nothing and is collected; rebuild-index skips sources whose replacement is present.
 */
import type { Knex } from 'knex';
import {
  buildPacks,
  packLocations,
  packSummary,
  type BuiltPack,
  type PackLine,
} from '../packs/pack-builder.js';
import { PACK_CONTENT_TYPE, type PackCursor } from '../packs/pack-format.js';
import { packKey } from '../packs/pack-keys.js';
import { packEntries, readWholePack } from '../packs/pack-reader.js';
import { assertLeaseHeld } from '../registry/object-registry.js';
import { storeNow, type StoreContext } from '../store-context.js';
import { compareVersions } from './version-entry.js';
import { markForSweep } from './rebuild-index.js';
import { packRow } from './version-writer.js';

export interface CompactOptions {
  /** Packs at least this big are left alone (bucket bytes). */
  smallBytes?: number;
  /** A merged pack holds sources up to about this many bucket bytes. */
  targetBytes?: number;
  /** Only this object. */
  object?: string;
}

export interface CompactResult {
  /** Merged packs written. */
  merged: number;
  /** Small packs they replace (marked for the sweep). */
  replaced: number;
  /** Bucket bytes before and after, for the packs involved. */
  bytesBefore: number;
  bytesAfter: number;
}

// A merged pack is built in memory (its lines decompressed): 12 MiB of gzip is ~70 MiB of JSON.
const DEFAULTS = { smallBytes: 2 * 1024 * 1024, targetBytes: 12 * 1024 * 1024 };

/** An indexed pack as a rewrite reads it (its `packs` row, with its object's name). */
export interface IndexedPackRow {
  pack_key: number;
  pack_id: string;
  object_key: number;
  object: string;
  bucket_key: string;
  bytes: string;
  written_at: Date;
}

interface SourcePack extends IndexedPackRow {
  schema_hash: string | null;
  cursor_system_modstamp: Date | null;
  cursor_id: string | null;
}

/** Small single-pack batches of finished days, grouped by object, schema and day, oldest first. */
async function candidateGroups(
  knex: Knex,
  orgId: string,
  before: Date,
  options: Required<Omit<CompactOptions, 'object'>> & { object?: string },
): Promise<SourcePack[][]> {
  const rows = await knex.raw<{ rows: SourcePack[] }>(
    `WITH required AS (
       -- packs some batch names in its requires (a hash anti-join, not a scan per candidate)
       SELECT DISTINCT unnest(requires) AS pack_id FROM packs WHERE org_id = ? AND cardinality(requires) > 0
     )
     SELECT p.pack_key, p.pack_id, p.object_key, o.name AS object, p.bucket_key, p.bytes, p.schema_hash,
            p.written_at, p.cursor_system_modstamp, p.cursor_id
       FROM packs p JOIN objects o ON o.object_key = p.object_key
      WHERE p.org_id = ? AND p.kind = 'versions' AND p.bytes < ? AND p.written_at < ?
        AND cardinality(p.requires) = 0
        AND p.entry_count > 0 -- a progress pack stays itself (its backfill completion has no place in a merge)
        AND NOT EXISTS (SELECT 1 FROM required r WHERE r.pack_id = p.pack_id)
        ${options.object ? 'AND o.name = ?' : ''}
      ORDER BY o.name, p.schema_hash NULLS FIRST, p.written_at, p.pack_id`,
    [orgId, orgId, options.smallBytes, before, ...(options.object ? [options.object] : [])],
  );
  const groups: SourcePack[][] = [];
  let current: SourcePack[] = [];
  let currentBytes = 0;
  const groupOf = (p: SourcePack) =>
    `${p.object_key}|${p.schema_hash ?? ''}|${p.written_at.toISOString().slice(0, 10)}`;
  for (const pack of rows.rows) {
    const bytes = Number(pack.bytes);
    const sameGroup = current.length > 0 && groupOf(current[0]!) === groupOf(pack);
    if (!sameGroup || currentBytes + bytes > options.targetBytes) {
      if (current.length > 1) groups.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(pack);
    currentBytes += bytes;
  }
  if (current.length > 1) groups.push(current);
  return groups;
}

interface IndexedEntry {
  record_id: string;
  system_modstamp: Date;
  pack_key: number;
  block: number;
  entry_offset: number;
}

/**
 * The lowest record Id (15 zeros and its case suffix): a cursor that named an erased record keeps its stamp with
 * this Id instead, so no pack header or row names the record, and the next read starts at most that one second
 * earlier (the versions it reads again are already stored and dropped as duplicates).
 */
export const LOWEST_RECORD_ID = '000000000000000AAA';

/** `cursor`, unless it names a record in `dropped`: then the same stamp with the lowest Id. */
export function cursorWithout(
  cursor: PackCursor | null,
  dropped: ReadonlySet<string> | undefined,
): PackCursor | null {
  return cursor && dropped?.has(cursor.id)
    ? { systemModstamp: cursor.systemModstamp, id: LOWEST_RECORD_ID }
    : cursor;
}

function latestCursor(sources: readonly SourcePack[]): PackCursor | null {
  let best: PackCursor | null = null;
  for (const s of sources) {
    if (!s.cursor_system_modstamp || !s.cursor_id) continue;
    const cursor = { systemModstamp: s.cursor_system_modstamp.toISOString(), id: s.cursor_id };
    if (!best || compareVersions(cursor, best) > 0) best = cursor;
  }
  return best;
}

/** How an erasure rewrites a pack through the same path (store/versions/erase-record.ts). */
export interface RewriteOptions {
  /** Record ids whose entries the new pack leaves out; with none left, the sources just go. */
  drop?: ReadonlySet<string>;
  /** The caller's run lease on the object, checked in the commit (LeaseLostError). */
  lease?: string;
  /** In the commit, before the sources' packs rows go: the caller removes what it dropped from the index. */
  beforeSwap?: (trx: Knex.Transaction, sourceKeys: number[], writtenAt: Date) => Promise<void>;
}

/** Merges one group; the merged pack's bytes, or null when the group changed under us (nothing committed). */
async function mergeGroup(
  store: StoreContext,
  orgId: string,
  sources: SourcePack[],
  options: RewriteOptions = {},
): Promise<number | null> {
  const { knex, blobs } = store;
  const first = sources[0]!;
  const sourceKeys = sources.map((s) => s.pack_key);
  const drop = [...(options.drop ?? [])];
  // The entries the index points at in these packs (a pack may hold a version indexed elsewhere).
  const entries = await knex('versions')
    .where({ object_key: first.object_key })
    .whereIn('pack_key', sourceKeys)
    .modify((q) => (drop.length > 0 ? q.whereNotIn('record_id', drop) : q))
    // (SystemModstamp, Id) in byte order (record_id is COLLATE "C"), as every reader orders versions.
    .orderBy([{ column: 'system_modstamp' }, { column: 'record_id' }])
    .select<IndexedEntry[]>('record_id', 'system_modstamp', 'pack_key', 'block', 'entry_offset');
  // Every entry dropped: nothing to write, the sources just go.
  if (entries.length === 0)
    return options.drop ? swapSources(store, orgId, sources, null, [], options) : null;
  const lineAt = new Map<string, Buffer>();
  for (const source of sources) {
    const pack = await readWholePack(blobs, source.bucket_key, source.pack_id);
    for (const { line, block, offset } of packEntries(pack.blocks)) {
      lineAt.set(`${source.pack_key}:${block}:${offset}`, line);
    }
  }
  const lines: PackLine[] = entries.map((e) => {
    const line = lineAt.get(`${e.pack_key}:${e.block}:${e.entry_offset}`);
    if (!line) throw new Error(`pack ${e.pack_key} has no entry at block ${e.block}+${e.entry_offset}`);
    return { json: line.toString('utf8'), systemModstamp: e.system_modstamp.toISOString() };
  });

  // The latest writtenAt of the day: a rebuild then restores the same last-backup time and day.
  const latest = sources.reduce((a, b) => (b.written_at > a.written_at ? b : a)).written_at;
  const packs = await buildPacks(
    {
      kind: 'versions',
      orgId,
      object: first.object,
      schemaHash: first.schema_hash,
      writtenAt: latest.toISOString(),
      cursor: cursorWithout(latestCursor(sources), options.drop),
      replaces: sources.map((s) => s.pack_id),
    },
    lines,
    { ...store.packOptions, maxPackBytes: Number.MAX_SAFE_INTEGER },
  );
  const merged = packs[0]!;
  const mergedKey = packKey(orgId, first.object, merged.id);
  await blobs.putIfAbsent(mergedKey, merged.bytes, { contentType: PACK_CONTENT_TYPE });
  return swapSources(store, orgId, sources, merged, entries, options);
}

/**
 * The commit of a merge or rewrite: re-points the index rows to `merged` (none when every entry was dropped),
 * swaps the packs rows, adjusts the byte counters and marks the sources for the sweep.
 */
async function swapSources(
  store: StoreContext,
  orgId: string,
  sources: SourcePack[],
  merged: BuiltPack | null,
  entries: readonly IndexedEntry[],
  options: RewriteOptions,
): Promise<number | null> {
  const first = sources[0]!;
  const sourceKeys = sources.map((s) => s.pack_key);
  const sourceBytes = sources.reduce((n, s) => n + Number(s.bytes), 0);
  const latest = sources.reduce((a, b) => (b.written_at > a.written_at ? b : a)).written_at;
  return store.knex.transaction(async (trx) => {
    if (options.lease !== undefined) await assertLeaseHeld(trx, first.object_key, options.lease);
    else await trx('objects').where({ object_key: first.object_key }).forUpdate().first('object_key');
    const still = await trx('packs').whereIn('pack_key', sourceKeys).forUpdate().select('pack_key');
    if (still.length !== sources.length) {
      // Another compaction got there first: the merged pack is referenced by nothing and goes to the sweep.
      if (merged) await markForSweep(trx, store, orgId, [packKey(orgId, first.object, merged.id)]);
      return null;
    }
    await options.beforeSwap?.(trx, sourceKeys, latest);
    const size = merged ? await repointEntries(trx, orgId, first, sourceKeys, merged, entries) : 0;
    await trx('packs').whereIn('pack_key', sourceKeys).delete();
    const saved = size - sourceBytes;
    await trx('objects')
      .where({ object_key: first.object_key })
      .update({ bytes: trx.raw('bytes + ?', [saved]) });
    await trx.raw(
      `UPDATE daily_stats SET bytes = bytes + ? WHERE org_id = ? AND day = (?::timestamptz AT TIME ZONE 'UTC')::date`,
      [saved, orgId, latest.toISOString()],
    );
    await markForSweep(
      trx,
      store,
      orgId,
      sources.map((s) => s.bucket_key),
    );
    return size;
  });
}

/** Indexes the merged pack and moves the entries' rows onto it; its bucket bytes. */
async function repointEntries(
  trx: Knex.Transaction,
  orgId: string,
  first: SourcePack,
  sourceKeys: number[],
  merged: BuiltPack,
  entries: readonly IndexedEntry[],
): Promise<number> {
  const summary = packSummary(merged);
  const [row] = await trx('packs')
    .insert(packRow({ orgId, objectKey: first.object_key, object: first.object }, summary))
    .returning<Array<{ pack_key: number }>>('pack_key');
  const locations = packLocations(merged);
  const moved = await trx.raw<{ rowCount: number }>(
    `UPDATE versions v SET pack_key = ?, block = t.block, entry_offset = t.entry_offset,
            entry_length = t.entry_length, hash = decode(t.hash_hex, 'hex')
       FROM unnest(?::text[], ?::timestamptz[], ?::int[], ?::int[], ?::int[], ?::text[])
            AS t(record_id, system_modstamp, block, entry_offset, entry_length, hash_hex)
      WHERE v.object_key = ? AND v.record_id = t.record_id AND v.system_modstamp = t.system_modstamp
        AND v.pack_key = ANY (?::int[])`,
    [
      row!.pack_key,
      entries.map((e) => e.record_id), // lines are in the entries' order
      entries.map((e) => e.system_modstamp.toISOString()),
      locations.map((l) => l.block),
      locations.map((l) => l.offset),
      locations.map((l) => l.length),
      locations.map((l) => l.hash.toString('hex')),
      first.object_key,
      sourceKeys,
    ],
  );
  if (moved.rowCount !== entries.length)
    throw new Error(`compaction of ${first.object}: moved ${moved.rowCount} of ${entries.length} versions`);
  return summary.size;
}

/**
 * Rewrites one indexed versions pack alone, through the merge path: a new pack (same writtenAt, schema and cursor,
 * `replaces` the old one) without the entries of `options.drop`, or none when nothing is left; the old pack goes
 * to the sweep. The new pack's bytes, or null when the pack is no longer indexed (nothing committed).
 */
export async function rewritePack(
  store: StoreContext,
  orgId: string,
  packKeyValue: number,
  options: RewriteOptions,
): Promise<number | null> {
  const rows = await store.knex.raw<{ rows: SourcePack[] }>(
    `SELECT p.pack_key, p.pack_id, p.object_key, o.name AS object, p.bucket_key, p.bytes, p.schema_hash,
            p.written_at, p.cursor_system_modstamp, p.cursor_id
       FROM packs p JOIN objects o ON o.object_key = p.object_key
      WHERE p.org_id = ? AND p.pack_key = ? AND p.kind = 'versions'`,
    [orgId, packKeyValue],
  );
  const source = rows.rows[0];
  return source ? mergeGroup(store, orgId, [source], options) : null;
}

/** Merges the org's small packs of finished days (see the top of this file). */
export async function compactPacks(
  store: StoreContext,
  orgId: string,
  options: CompactOptions = {},
): Promise<CompactResult> {
  const settings = { ...DEFAULTS, ...options };
  if (!(settings.smallBytes > 0) || !(settings.targetBytes >= settings.smallBytes))
    throw new Error('compaction needs 0 < smallBytes <= targetBytes');
  const now = storeNow(store);
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const result: CompactResult = { merged: 0, replaced: 0, bytesBefore: 0, bytesAfter: 0 };
  for (const group of await candidateGroups(store.knex, orgId, today, settings)) {
    const size = await mergeGroup(store, orgId, group);
    if (size === null) continue;
    result.merged += 1;
    result.replaced += group.length;
    result.bytesBefore += group.reduce((n, s) => n + Number(s.bytes), 0);
    result.bytesAfter += size;
  }
  return result;
}
