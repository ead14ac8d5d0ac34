/**
 * rebuild-index: restores an org's index from its bucket alone – versions, packs, counters,
 * per-day progress, files, schemas and cursors. Packs already in the index are skipped, so the same
 * pass run on a live database adopts orphan packs (uploaded, never indexed because the writer died
 * before its commit). Settings and errors are not in the bucket and are not restored.
 *
 * A cursor stored in a pack header is only restored when every pack of its batch (`requires`) is in
 * the bucket: otherwise the versions between the old and the new cursor might be missing. Progress
 * packs (no entries) carry the cursors that moved without new versions and the backfill's completion.
 */
import type { Knex } from 'knex';
import {
  blockRange,
  isProgressPack,
  PackFormatError,
  type PackCursor,
  type PackHeader,
} from '../packs/pack-format.js';
import { entryHash } from '../packs/entry-hash.js';
import { packEntries, readPackHeader, readWholePack, type ReadPack } from '../packs/pack-reader.js';
import { packsPrefix, parsePackKey } from '../packs/pack-keys.js';
import { storeNow, type StoreContext } from '../store-context.js';
import { indexFileEntries } from '../files/file-mappings.js';
import { restoreSchemas } from '../schemas/schema-snapshots.js';
import { loadErasedRecords } from './erasure-markers.js';
import { ensureObjectKey } from './objects-repository.js';
import { advanceCursor, applyCounters, indexPacksPreferCopy, type IndexRow } from './version-writer.js';

export interface RebuildResult {
  packsSeen: number;
  packsIndexed: number;
  /** Packs whose versions were all indexed already: marked for collection (collectOrphanPacks). */
  packsMarkedRedundant: number;
  versionsIndexed: number;
  filesIndexed: number;
  schemasRestored: number;
  /** Packs that could not be read (named with the reason); their data is not in the index. */
  unreadable: Array<{ key: string; error: string }>;
}

export interface RebuildOptions {
  /** Only packs whose bucket key is in this set (orphan adoption picks its own). */
  onlyKeys?: ReadonlySet<string>;
  /** Progress lines for the CLI (stderr). */
  onProgress?: (message: string) => void;
}

class RedundantPack extends Error {}

function emptyResult(): RebuildResult {
  return {
    packsSeen: 0,
    packsIndexed: 0,
    packsMarkedRedundant: 0,
    versionsIndexed: 0,
    filesIndexed: 0,
    schemasRestored: 0,
    unreadable: [],
  };
}

/** Creates the org row when the database has never seen the org (a rebuild into an empty database). */
async function ensureOrgRow(knex: Knex, orgId: string): Promise<void> {
  await knex('orgs').insert({ org_id: orgId, enabled: false }).onConflict('org_id').ignore();
}

const LINE_PREFIX = /^\{"id":"([0-9A-Za-z]{18})","systemModstamp":"([0-9T:.Z-]{24})","deleted":(true|false),/;

/** Index rows of a read pack: key fields from each line's fixed prefix, offsets, hashes. */
function rowsOfPack(key: string, blocks: Buffer[][]): IndexRow[] {
  const rows: IndexRow[] = [];
  for (const { line, block, offset } of packEntries(blocks)) {
    const m = LINE_PREFIX.exec(line.toString('latin1', 0, Math.min(line.length, 120)));
    if (!m) throw new PackFormatError(`${key}: block ${block} holds a line that is not a version`);
    rows.push({
      id: m[1]!,
      systemModstamp: m[2]!,
      deleted: m[3] === 'true',
      block,
      offset,
      length: line.length,
      hash: entryHash(line),
    });
  }
  return rows;
}

interface ListedPack {
  key: string;
  object: string;
  packId: string;
}

async function listPacks(store: StoreContext, orgId: string): Promise<ListedPack[]> {
  const packs: ListedPack[] = [];
  for await (const info of store.blobs.list(packsPrefix(orgId))) {
    const parsed = parsePackKey(info.key);
    if (parsed && parsed.orgId === orgId)
      packs.push({ key: info.key, object: parsed.object, packId: parsed.packId });
  }
  return packs;
}

/**
 * The latest cursor of the object's indexed packs whose whole batch (`requires`) is present: indexed,
 * or marked redundant (every version of it is indexed from another pack).
 */
async function restorableCursor(knex: Knex, objectKey: number): Promise<PackCursor | null> {
  const result = await knex.raw<{ rows: Array<{ cursor_system_modstamp: Date; cursor_id: string }> }>(
    `SELECT p.cursor_system_modstamp, p.cursor_id FROM packs p JOIN objects o ON o.object_key = p.object_key
      WHERE p.object_key = ? AND p.cursor_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM unnest(p.requires) AS r(pack_id)
                         WHERE NOT EXISTS (SELECT 1 FROM packs q WHERE q.org_id = p.org_id AND q.pack_id = r.pack_id)
                           AND NOT EXISTS (SELECT 1 FROM orphan_packs m WHERE m.org_id = p.org_id
                                             AND m.bucket_key = 'orgs/' || p.org_id || '/packs/' || o.name || '/' || r.pack_id || '.gz'))
      ORDER BY p.cursor_system_modstamp DESC, p.cursor_id COLLATE "C" DESC
      LIMIT 1`,
    [objectKey],
  );
  const row = result.rows[0];
  return row ? { systemModstamp: row.cursor_system_modstamp.toISOString(), id: row.cursor_id } : null;
}

/**
 * The object's backfill completion, from the progress packs that record it (the earliest), when the index has
 * none. Such a pack requires no other: it is written once everything it vouches for is indexed.
 */
async function restoreBackfillCompletion(knex: Knex, objectKey: number): Promise<void> {
  await knex.raw(
    `UPDATE objects SET backfill_completed_at =
       (SELECT min(backfill_completed_at) FROM packs WHERE object_key = ? AND backfill_completed_at IS NOT NULL)
      WHERE object_key = ? AND backfill_completed_at IS NULL`,
    [objectKey, objectKey],
  );
}

/** Marks packs for the sweep (collectOrphanPacks), through `db` (the pool or the caller's transaction). */
export async function markForSweep(
  db: Knex,
  store: StoreContext,
  orgId: string,
  keys: readonly string[],
): Promise<void> {
  if (keys.length === 0) return;
  const markedAt = storeNow(store);
  await db('orphan_packs')
    .insert(keys.map((key) => ({ org_id: orgId, bucket_key: key, marked_at: markedAt })))
    .onConflict(['org_id', 'bucket_key'])
    .ignore();
}

export async function rebuildIndex(
  store: StoreContext,
  orgId: string,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const { knex } = store;
  await ensureOrgRow(knex, orgId);
  // Erased records stay out, whatever packs still hold them (erasure-markers.ts).
  const erased = await loadErasedRecords(store, orgId);
  const result = emptyResult();
  const listed = await listPacks(store, orgId);
  result.packsSeen = listed.length;
  const indexed = new Set(
    (await knex('packs').where({ org_id: orgId }).select<Array<{ pack_id: string }>>('pack_id')).map(
      (r) => r.pack_id,
    ),
  );
  const byObject = new Map<string, ListedPack[]>();
  for (const pack of listed) {
    const list = byObject.get(pack.object) ?? [];
    list.push(pack);
    byObject.set(pack.object, list);
  }

  for (const [object, packs] of [...byObject.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const todo = packs.filter(
      (p) => !indexed.has(p.packId) && (!options.onlyKeys || options.onlyKeys.has(p.key)),
    );
    if (todo.length === 0) continue;
    const objectKey = await ensureObjectKey(knex, orgId, object);
    const target = { orgId, objectKey, object };
    // Headers first, so packs are indexed in the order they were written (deterministic counters).
    const read: Array<{ listed: ListedPack; header: PackHeader }> = [];
    for (const pack of todo) {
      try {
        read.push({ listed: pack, header: (await readPackHeader(store.blobs, pack.key)).header });
      } catch (err) {
        result.unreadable.push({ key: pack.key, error: (err as Error).message });
      }
    }
    read.sort((a, b) =>
      a.header.writtenAt < b.header.writtenAt
        ? -1
        : a.header.writtenAt > b.header.writtenAt
          ? 1
          : a.listed.packId < b.listed.packId
            ? -1
            : 1,
    );

    // Small packs merged by compaction are skipped when their replacement is here (they go to the sweep).
    const replaced = new Set(read.flatMap((r) => r.header.replaces ?? []));
    for (const item of read) {
      if (replaced.has(item.listed.packId)) {
        await markForSweep(knex, store, orgId, [item.listed.key]);
        result.packsMarkedRedundant += 1;
        continue;
      }
      let pack: ReadPack;
      try {
        pack = await readWholePack(store.blobs, item.listed.key, item.listed.packId);
      } catch (err) {
        result.unreadable.push({ key: item.listed.key, error: (err as Error).message });
        continue;
      }
      const header = pack.header;
      if (header.orgId !== orgId || header.object !== object) {
        result.unreadable.push({
          key: item.listed.key,
          error: `header names ${header.orgId}/${header.object}`,
        });
        continue;
      }
      const toIndex = {
        pack: {
          id: item.listed.packId,
          header,
          headerLength: pack.headerLength,
          blockOffsets: header.blocks.map((b) => blockRange(pack.headerLength, b).start),
          size: pack.bytes,
        },
        rows:
          header.kind === 'versions'
            ? erased.keep(object, header.writtenAt, rowsOfPack(item.listed.key, pack.blocks))
            : [],
      };
      try {
        await knex.transaction(async (trx) => {
          const { versions: existing } = await trx('objects')
            .where({ object_key: objectKey })
            .forUpdate()
            .first<{ versions: number }>('versions');
          const totals = await indexPacksPreferCopy(trx, target, [toIndex], existing === 0);
          // Every version of this pack is indexed from another pack already (a writer retried after a
          // crash): nothing to adopt. Unless it carries a cursor, it is marked for collection instead.
          // A merged pack adds nothing either when its sources are indexed (its cursor is theirs).
          // A progress pack holds no versions by design: it is kept for its cursor or backfill completion.
          if (
            header.kind === 'versions' &&
            !isProgressPack(header) &&
            totals.versions === 0 &&
            (header.cursor === null || (header.replaces?.length ?? 0) > 0)
          )
            throw new RedundantPack();
          if (header.kind === 'files')
            result.filesIndexed += await indexFileEntries(
              trx,
              orgId,
              object,
              // An erased record's file mappings stay out too.
              pack.blocks
                .flat()
                .filter(
                  (line) =>
                    !erased.isErased(
                      object,
                      (JSON.parse(line.toString('utf8')) as { id: string }).id,
                      header.writtenAt,
                    ),
                ),
              header.writtenAt,
              item.listed.packId,
            );
          await applyCounters(trx, orgId, objectKey, totals, header.writtenAt);
          result.versionsIndexed += totals.versions;
        });
        result.packsIndexed += 1;
      } catch (err) {
        if (!(err instanceof RedundantPack)) throw err;
        await markForSweep(knex, store, orgId, [item.listed.key]);
        result.packsMarkedRedundant += 1;
      }
    }
    const cursor = await restorableCursor(knex, objectKey);
    if (cursor) await knex.transaction((trx) => advanceCursor(trx, objectKey, cursor));
    await restoreBackfillCompletion(knex, objectKey);
    options.onProgress?.(`${object}: ${read.length} packs indexed`);
  }
  result.schemasRestored = await restoreSchemas(store, orgId);
  return result;
}

/**
 * Adopts orphan packs: packs in the bucket that the index does not know. Packs younger than
 * `graceMs` (by their header's writtenAt) are left alone – their writer may be about to commit.
 */
export async function adoptOrphanPacks(
  store: StoreContext,
  orgId: string,
  options: { graceMs?: number } = {},
): Promise<RebuildResult> {
  const graceMs = options.graceMs ?? 10 * 60_000;
  const indexed = new Set(
    (await store.knex('packs').where({ org_id: orgId }).select<Array<{ pack_id: string }>>('pack_id')).map(
      (r) => r.pack_id,
    ),
  );
  const marked = new Set(
    (
      await store
        .knex('orphan_packs')
        .where({ org_id: orgId })
        .select<Array<{ bucket_key: string }>>('bucket_key')
    ).map((r) => r.bucket_key),
  );
  const orphans = (await listPacks(store, orgId)).filter((p) => !indexed.has(p.packId) && !marked.has(p.key));
  const cutoff = (store.now ? store.now() : new Date()).getTime() - graceMs;
  const old = new Set<string>();
  for (const orphan of orphans) {
    try {
      const { header } = await readPackHeader(store.blobs, orphan.key);
      if (Date.parse(header.writtenAt) <= cutoff) old.add(orphan.key);
    } catch {
      old.add(orphan.key); // reported as unreadable by the rebuild pass
    }
  }
  if (old.size === 0) return { ...emptyResult(), packsSeen: orphans.length };
  return rebuildIndex(store, orgId, { onlyKeys: old });
}

/**
 * The sweep of mark-then-sweep: deletes packs marked redundant at least `graceMs` ago that are still
 * not indexed. Each deletion holds the mark's row lock while it deletes the blob, so a writer that
 * re-uses the same pack (see version-writer.ts) either removes the mark first or finds the blob gone
 * and uploads it again. Returns the keys deleted.
 */
export async function collectOrphanPacks(
  store: StoreContext,
  orgId: string,
  options: {
    graceMs?: number;
    /** Only these keys (an erasure sweeps its own at once). */
    keys?: readonly string[];
  } = {},
): Promise<string[]> {
  const graceMs = options.graceMs ?? 24 * 60 * 60_000;
  const cutoff = new Date(storeNow(store).getTime() - graceMs);
  const due = await store
    .knex('orphan_packs')
    .where({ org_id: orgId })
    .andWhere('marked_at', '<=', cutoff)
    .modify((q) => (options.keys ? q.whereIn('bucket_key', options.keys) : q))
    .orderBy('bucket_key')
    .select<Array<{ bucket_key: string }>>('bucket_key');
  const deleted: string[] = [];
  for (const { bucket_key: key } of due) {
    await store.knex.transaction(async (trx) => {
      const mark = await trx('orphan_packs')
        .where({ org_id: orgId, bucket_key: key })
        .forUpdate()
        .first('bucket_key');
      if (!mark) return;
      const inIndex = await trx('packs').where({ org_id: orgId, bucket_key: key }).first('pack_key');
      if (!inIndex) {
        await store.blobs.delete(key);
        deleted.push(key);
      }
      await trx('orphan_packs').where({ org_id: orgId, bucket_key: key }).delete();
    });
  }
  return deleted;
}
