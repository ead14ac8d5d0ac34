/**
 * Rewrites one indexed `files` pack without a record's mapping lines, for an erasure (versions packs take the
 * compaction path, versions/compact-packs.ts rewritePack; this is its counterpart for mappings).
 *
 * The new pack keeps every other line, in order, and the old header's writtenAt, cursor and requires, and names the
 * old pack in `replaces`, so a rebuild that still finds the old pack skips it and restores the same `files` rows
 * and per-day figures; with no line left there is no new pack. Once the new pack is durable, one transaction
 * (checking the caller's lease) indexes it, re-points the other mappings' rows at it, deletes the record's rows of
 * the old pack with their file counters, swaps the packs rows, adjusts the object's and the day's bytes and marks
 * the old pack for the sweep.
 */
import type { Knex } from 'knex';
import { buildPacks, packSummary, type BuiltPack, type PackLine } from '../packs/pack-builder.js';
import { packKey } from '../packs/pack-keys.js';
import { packEntries, readWholePack } from '../packs/pack-reader.js';
import { assertLeaseHeld } from '../registry/object-registry.js';
import type { StoreContext } from '../store-context.js';
import type { IndexedPackRow } from '../versions/compact-packs.js';
import { markForSweep } from '../versions/rebuild-index.js';
import { packRow, uploadOrReclaim } from '../versions/version-writer.js';
import { forgetFileRows } from './file-mappings.js';

export interface FilePackRewrite {
  /** The old pack's bucket key (marked for the sweep). */
  oldKey: string;
  /** The record's `files` rows deleted with it, and the bodies the stored ones named. */
  mappings: number;
  bodies: string[];
}

interface KeptLine extends PackLine {
  id: string;
}

/** Indexes the new pack (or finds it indexed: an adopted identical orphan) and moves the kept lines' rows onto it. */
async function indexNewPack(
  trx: Knex.Transaction,
  source: IndexedPackRow,
  orgId: string,
  pack: BuiltPack,
  kept: readonly KeptLine[],
): Promise<{ packKey: number; addedBytes: number }> {
  const summary = packSummary(pack);
  const target = { orgId, objectKey: source.object_key, object: source.object };
  const inserted = await trx('packs')
    .insert(packRow(target, summary))
    .onConflict(['org_id', 'pack_id'])
    .ignore()
    .returning<Array<{ pack_key: number }>>('pack_key');
  const row =
    inserted[0] ??
    (await trx('packs').where({ org_id: orgId, pack_id: pack.id }).first<{ pack_key: number }>('pack_key'));
  await trx.raw(
    `UPDATE files f SET pack_key = ?
       FROM unnest(?::text[], ?::timestamptz[]) AS t(record_id, system_modstamp)
      WHERE f.org_id = ? AND f.record_id = t.record_id AND f.system_modstamp = t.system_modstamp
        AND f.pack_key = ?`,
    [row.pack_key, kept.map((l) => l.id), kept.map((l) => l.systemModstamp), orgId, source.pack_key],
  );
  return { packKey: row.pack_key, addedBytes: inserted[0] ? summary.size : 0 };
}

/**
 * Rewrites the `files` pack `packKeyValue` without the lines of `recordId` (see the top of this file). `inCommit`
 * runs in the commit (the erasure counts its work there). Null when the pack is no longer an indexed `files` pack
 * or holds no line of the record (nothing committed).
 */
export async function rewriteFilePack(
  store: StoreContext,
  orgId: string,
  packKeyValue: number,
  recordId: string,
  options: { lease?: string; inCommit?: (trx: Knex.Transaction) => Promise<void> } = {},
): Promise<FilePackRewrite | null> {
  const { knex, blobs } = store;
  const source = await knex('packs as p')
    .join('objects as o', 'o.object_key', 'p.object_key')
    .where({ 'p.org_id': orgId, 'p.pack_key': packKeyValue, 'p.kind': 'files' })
    .first<IndexedPackRow | undefined>(
      'p.pack_key',
      'p.pack_id',
      'p.object_key',
      'o.name as object',
      'p.bucket_key',
      'p.bytes',
      'p.written_at',
    );
  if (!source) return null;
  const old = await readWholePack(blobs, source.bucket_key, source.pack_id);
  const kept: KeptLine[] = [];
  let dropped = 0;
  for (const { line } of packEntries(old.blocks)) {
    const entry = JSON.parse(line.toString('utf8')) as { id: string; systemModstamp: string };
    if (entry.id === recordId) dropped += 1;
    else kept.push({ id: entry.id, json: line.toString('utf8'), systemModstamp: entry.systemModstamp });
  }
  if (dropped === 0) return null;

  let pack: BuiltPack | null = null;
  if (kept.length > 0) {
    const { header } = old;
    const built = await buildPacks(
      {
        kind: 'files',
        orgId,
        object: source.object,
        schemaHash: header.schemaHash,
        writtenAt: header.writtenAt,
        cursor: header.cursor,
        requires: header.requires,
        replaces: [source.pack_id],
      },
      kept,
      { ...store.packOptions, maxPackBytes: Number.MAX_SAFE_INTEGER },
    );
    pack = built[0]!;
    // A pack already there (an identical rewrite whose commit failed, then marked) is taken back from the sweep.
    await uploadOrReclaim(store, { orgId, objectKey: source.object_key, object: source.object }, pack);
  }

  return knex.transaction(async (trx) => {
    if (options.lease !== undefined) await assertLeaseHeld(trx, source.object_key, options.lease);
    else await trx('objects').where({ object_key: source.object_key }).forUpdate().first('object_key');
    const still = await trx('packs').where({ pack_key: source.pack_key }).forUpdate().first('pack_key');
    if (!still) {
      // Rewritten by another run meanwhile: the new pack is referenced by nothing and goes to the sweep.
      if (pack) await markForSweep(trx, store, orgId, [packKey(orgId, source.object, pack.id)]);
      return null;
    }
    const added = pack ? (await indexNewPack(trx, source, orgId, pack, kept)).addedBytes : 0;
    const gone = await forgetFileRows(trx, orgId, source.object, (q) =>
      q.where({ record_id: recordId, pack_key: source.pack_key }),
    );
    await trx('packs').where({ pack_key: source.pack_key }).delete();
    const change = added - Number(source.bytes);
    await trx('objects')
      .where({ object_key: source.object_key })
      .update({ bytes: trx.raw('bytes + ?', [change]) });
    await trx.raw(
      `UPDATE daily_stats SET bytes = bytes + ? WHERE org_id = ? AND day = (?::timestamptz AT TIME ZONE 'UTC')::date`,
      [change, orgId, source.written_at.toISOString()],
    );
    await markForSweep(trx, store, orgId, [source.bucket_key]);
    await options.inCommit?.(trx);
    return { oldKey: source.bucket_key, mappings: gone.rows, bodies: gone.bodies };
  });
}
