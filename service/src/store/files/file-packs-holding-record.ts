/**
 * Which indexed `files` packs hold mapping lines of one record, for an erasure: the packs its `files` rows point
 * at, plus packs whose SystemModstamp range covers one of its known stamps and that hold a copy no row points at (a
 * mapping written twice, an adopted orphan: `files` rows keep the first pack that stored it). Unindexed packs are
 * found with the versions packs (versions/packs-holding-record.ts loosePacksHolding).
 */
import type { Knex } from 'knex';
import { readWholePack } from '../packs/pack-reader.js';
import type { StoreContext } from '../store-context.js';
import { recordLines, type IndexedHeldPack } from '../versions/packs-holding-record.js';

export interface HeldFilePack extends IndexedHeldPack {
  /** SHA-256 of the bodies the record's lines in this pack name. */
  bodies: string[];
}

/** The bodies (SHA-256) that mapping lines name. */
export function mappedBodies(lines: readonly Buffer[]): string[] {
  return lines.map((line) => (JSON.parse(line.toString('utf8')) as { sha256: string }).sha256);
}

/** The record's `files` rows: their stamps and the bodies the stored ones name. */
export async function fileRowsOf(
  knex: Knex,
  orgId: string,
  object: string,
  recordId: string,
): Promise<{ stamps: Date[]; bodies: string[] }> {
  const rows = await knex('files')
    .where({ org_id: orgId, object, record_id: recordId })
    .select<Array<{ system_modstamp: Date; sha256: string | null }>>('system_modstamp', 'sha256');
  return {
    stamps: rows.map((r) => r.system_modstamp),
    bodies: rows.flatMap((r) => (r.sha256 === null ? [] : [r.sha256])),
  };
}

/**
 * Indexed `files` packs of the object holding lines of the record; `stamps`: every SystemModstamp it is known to
 * have had; `alsoKeys`: packs to read whatever their range (just-adopted orphans).
 */
export async function indexedFilePacksHolding(
  store: StoreContext,
  target: { orgId: string; object: string; objectKey: number },
  recordId: string,
  stamps: readonly Date[],
  alsoKeys: readonly string[] = [],
): Promise<HeldFilePack[]> {
  const result = await store.knex.raw<{
    rows: Array<{ pack_key: number; pack_id: string; bucket_key: string; written_at: Date }>;
  }>(
    `SELECT p.pack_key, p.pack_id, p.bucket_key, p.written_at
       FROM packs p
      WHERE p.object_key = ? AND p.kind = 'files'
        AND (p.pack_key IN (SELECT f.pack_key FROM files f WHERE f.org_id = ? AND f.record_id = ? AND f.object = ?)
             OR EXISTS (SELECT 1 FROM unnest(?::timestamptz[]) AS s(at)
                         WHERE s.at BETWEEN p.min_system_modstamp AND p.max_system_modstamp)
             OR p.bucket_key = ANY (?::text[]))
      ORDER BY p.pack_key`,
    [target.objectKey, target.orgId, recordId, target.object, [...stamps], [...alsoKeys]],
  );
  const held: HeldFilePack[] = [];
  for (const row of result.rows) {
    const lines = recordLines(
      (await readWholePack(store.blobs, row.bucket_key, row.pack_id)).blocks,
      recordId,
    );
    if (lines.length > 0)
      held.push({
        packKey: row.pack_key,
        bucketKey: row.bucket_key,
        writtenAt: row.written_at,
        bodies: mappedBodies(lines),
      });
  }
  return held;
}
