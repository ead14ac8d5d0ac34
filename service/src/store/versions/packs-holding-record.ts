/**
 * Which packs in the bucket hold lines of one record, for an erasure:
 * - indexed packs the index points at for the record, plus indexed packs holding a copy the index does not point
 *   at (a version indexed from another pack: a writer retried after a crash, an adopted orphan). A copy has the
 *   same SystemModstamp as an indexed version, so only packs whose range covers one of the record's stamps are read;
 * - unindexed packs of the object (orphans a crash left, packs marked for the sweep): few, each read whole; versions
 *   and `files` packs alike (indexed `files` packs: files/file-packs-holding-record.ts).
 */
import type { Knex } from 'knex';
import type { PackKind } from '../packs/pack-format.js';
import { packsPrefix, parsePackKey } from '../packs/pack-keys.js';
import { packEntries, readWholePack } from '../packs/pack-reader.js';
import type { StoreContext } from '../store-context.js';

export interface HeldPack {
  bucketKey: string;
  writtenAt: Date;
}

export interface IndexedHeldPack extends HeldPack {
  packKey: number;
}

export interface LooseHeldPack extends HeldPack {
  /** Marked for the sweep already (a compaction or erasure source, a redundant orphan). */
  marked: boolean;
  kind: PackKind;
  /** The record's lines in the pack (in a `files` pack they name the bodies the record mapped). */
  lines: Buffer[];
}

/** The lines of a pack (versions or files: both begin with the record id) that are the record's. */
export function recordLines(blocks: readonly Buffer[][], recordId: string): Buffer[] {
  const head = Buffer.from(`{"id":"${recordId}"`);
  const lines: Buffer[] = [];
  for (const { line } of packEntries(blocks))
    if (line.subarray(0, head.length).equals(head)) lines.push(line);
  return lines;
}

/** True when a pack's lines include one of the record. */
function holdsRecord(blocks: readonly Buffer[][], recordId: string): boolean {
  return recordLines(blocks, recordId).length > 0;
}

/** The SystemModstamps of the record's indexed versions. */
export async function indexedStamps(knex: Knex, objectKey: number, recordId: string): Promise<Date[]> {
  const rows = await knex('versions')
    .where({ object_key: objectKey, record_id: recordId })
    .orderBy('system_modstamp')
    .select<Array<{ system_modstamp: Date }>>('system_modstamp');
  return rows.map((r) => r.system_modstamp);
}

/**
 * Indexed versions packs holding lines of the record; `stamps`: every SystemModstamp it is known to have had;
 * `alsoKeys`: packs to read whatever their range (just-adopted orphans, whose copy of the record was never indexed).
 */
export async function indexedPacksHolding(
  store: StoreContext,
  objectKey: number,
  recordId: string,
  stamps: readonly Date[],
  alsoKeys: readonly string[] = [],
): Promise<IndexedHeldPack[]> {
  const result = await store.knex.raw<{
    rows: Array<{
      pack_key: number;
      pack_id: string;
      bucket_key: string;
      written_at: Date;
      pointed: boolean;
    }>;
  }>(
    `SELECT p.pack_key, p.pack_id, p.bucket_key, p.written_at,
            EXISTS (SELECT 1 FROM versions v WHERE v.object_key = p.object_key AND v.record_id = ?
                                              AND v.pack_key = p.pack_key) AS pointed
       FROM packs p
      WHERE p.object_key = ? AND p.kind = 'versions'
        AND (EXISTS (SELECT 1 FROM unnest(?::timestamptz[]) AS s(at)
                      WHERE s.at BETWEEN p.min_system_modstamp AND p.max_system_modstamp)
             OR p.bucket_key = ANY (?::text[]))
      ORDER BY p.pack_key`,
    [recordId, objectKey, [...stamps], [...alsoKeys]],
  );
  const held: IndexedHeldPack[] = [];
  for (const row of result.rows) {
    const holds =
      row.pointed ||
      holdsRecord((await readWholePack(store.blobs, row.bucket_key, row.pack_id)).blocks, recordId);
    if (holds) held.push({ packKey: row.pack_key, bucketKey: row.bucket_key, writtenAt: row.written_at });
  }
  return held;
}

/**
 * Packs of the object in the bucket that the index does not know, holding lines of the record. A pack that cannot
 * be read is listed in `unreadable` (it may hold the record; nothing can tell).
 */
export async function loosePacksHolding(
  store: StoreContext,
  orgId: string,
  object: string,
  objectKey: number,
  recordId: string,
): Promise<{ held: LooseHeldPack[]; unreadable: string[] }> {
  const { knex, blobs } = store;
  const indexed = new Set(
    (await knex('packs').where({ object_key: objectKey }).select<Array<{ pack_id: string }>>('pack_id')).map(
      (r) => r.pack_id,
    ),
  );
  const prefix = `${packsPrefix(orgId)}${object}/`;
  const marked = new Set(
    (
      await knex('orphan_packs')
        .where({ org_id: orgId })
        .andWhere('bucket_key', 'like', `${prefix}%`)
        .select<Array<{ bucket_key: string }>>('bucket_key')
    ).map((r) => r.bucket_key),
  );
  const held: LooseHeldPack[] = [];
  const unreadable: string[] = [];
  for await (const info of blobs.list(prefix)) {
    const parsed = parsePackKey(info.key);
    if (!parsed || parsed.object !== object || indexed.has(parsed.packId)) continue;
    try {
      const pack = await readWholePack(blobs, info.key, parsed.packId);
      const lines = recordLines(pack.blocks, recordId);
      if (lines.length > 0)
        held.push({
          bucketKey: info.key,
          writtenAt: new Date(pack.header.writtenAt),
          marked: marked.has(info.key),
          kind: pack.header.kind,
          lines,
        });
    } catch {
      unreadable.push(info.key);
    }
  }
  return { held, unreadable };
}
