/**
 * Erasure markers: the bucket's half of an erasure tombstone (the other half is the `erasures` table). Packs are
 * immutable, so a record erased from the index may still sit in packs that wait for the sweep, or in orphans a
 * crash left; rebuild-index and orphan adoption read these markers first and leave such lines out.
 *
 *   orgs/{org}/erasures/{object}/{idHash}/{erasedAt}.json     one small JSON object per erasure, written once
 *
 * The marker names the record by `idHash` = SHA-256 of `{org}/{object}/{record id}`, so the bucket holds no record
 * id in clear after an erasure (an id is easy to guess from its neighbours, so the hash hides it from a reader of
 * the bucket, not from one who already knows the id). A line is left out when its pack was written at or before
 * the erasure: later packs hold versions the backup read after the erasure (the record still existed in the org).
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { BlobStore } from '../blob/blob-store.js';
import { assertObjectName, assertOrgId } from '../packs/pack-keys.js';
import type { StoreContext } from '../store-context.js';

export const ERASURE_FORMAT = 'autobackup-erasure';

export interface ErasureMarker {
  format: typeof ERASURE_FORMAT;
  version: 1;
  orgId: string;
  object: string;
  idHash: string;
  /** UTC ISO: packs written up to this time lose the record's lines in a rebuild. */
  erasedAt: string;
  reason: string | null;
  by: string | null;
}

/** How the bucket and the `erasures` table name an erased record. */
export function erasureIdHash(orgId: string, object: string, recordId: string): string {
  return createHash('sha256').update(`${orgId}/${object}/${recordId}`).digest('hex');
}

export function erasuresPrefix(orgId: string): string {
  assertOrgId(orgId);
  return `orgs/${orgId}/erasures/`;
}

/** `2024-06-01T08:00:00.000Z` → `20240601T080000000Z`: sortable, and no `:` in a key. */
function keyTime(iso: string): string {
  return iso.replace(/[-:.]/g, '');
}

export function erasureKey(marker: Pick<ErasureMarker, 'orgId' | 'object' | 'idHash' | 'erasedAt'>): string {
  assertObjectName(marker.object);
  if (!/^[0-9a-f]{64}$/.test(marker.idHash)) throw new Error(`not an erasure id hash: "${marker.idHash}"`);
  return `${erasuresPrefix(marker.orgId)}${marker.object}/${marker.idHash}/${keyTime(marker.erasedAt)}.json`;
}

/** Writes the marker once (a re-run of the same erasure finds it there). */
export async function writeErasureMarker(blobs: BlobStore, marker: ErasureMarker): Promise<void> {
  await blobs.putIfAbsent(erasureKey(marker), Buffer.from(`${JSON.stringify(marker)}\n`), {
    contentType: 'application/json',
  });
}

function parseMarker(key: string, bytes: Buffer): ErasureMarker {
  const marker = JSON.parse(bytes.toString('utf8')) as ErasureMarker;
  if (marker.format !== ERASURE_FORMAT || erasureKey(marker) !== key)
    throw new Error(`${key}: not an erasure marker of this key`);
  return marker;
}

/** The record ids erased per object, as the bucket's markers say: what a rebuild must leave out. */
export class ErasedRecords {
  /** object → idHash → the latest erasure time (ms). */
  private readonly latest = new Map<string, Map<string, number>>();

  constructor(
    private readonly orgId: string,
    readonly markers: readonly ErasureMarker[],
  ) {
    for (const m of markers) {
      const byHash = this.latest.get(m.object) ?? new Map<string, number>();
      byHash.set(m.idHash, Math.max(byHash.get(m.idHash) ?? 0, Date.parse(m.erasedAt)));
      this.latest.set(m.object, byHash);
    }
  }

  /** True when a line of `recordId` in a pack written at `writtenAt` was erased. */
  isErased(object: string, recordId: string, writtenAt: string): boolean {
    const byHash = this.latest.get(object);
    if (!byHash) return false;
    const erasedAt = byHash.get(erasureIdHash(this.orgId, object, recordId));
    return erasedAt !== undefined && Date.parse(writtenAt) <= erasedAt;
  }

  /** The index rows of a pack, without those of records erased after the pack was written. */
  keep<T extends { id: string }>(object: string, writtenAt: string, rows: T[]): T[] {
    if (!this.latest.has(object)) return rows;
    return rows.filter((r) => !this.isErased(object, r.id, writtenAt));
  }
}

/** Every erasure marker of the org in the bucket. */
export async function readErasureMarkers(blobs: BlobStore, orgId: string): Promise<ErasureMarker[]> {
  const markers: ErasureMarker[] = [];
  for await (const info of blobs.list(erasuresPrefix(orgId))) {
    if (info.key.endsWith('.json')) markers.push(parseMarker(info.key, await blobs.get(info.key)));
  }
  return markers;
}

/** Tombstone rows for markers the database lacks (a rebuild into a new database): known by hash only. */
async function restoreErasureRows(
  knex: Knex,
  orgId: string,
  markers: readonly ErasureMarker[],
): Promise<void> {
  if (markers.length === 0) return;
  await knex('erasures')
    .insert(
      markers.map((m) => ({
        org_id: orgId,
        object: m.object,
        record_id: null,
        id_hash: m.idHash,
        erased_at: m.erasedAt,
        reason: m.reason,
        requested_by: m.by,
        state: 'done',
        completed_at: m.erasedAt,
      })),
    )
    .onConflict(['org_id', 'object', 'id_hash', 'erased_at'])
    .ignore();
}

/** What rebuild-index reads first: the bucket's markers, also restored as tombstone rows. */
export async function loadErasedRecords(store: StoreContext, orgId: string): Promise<ErasedRecords> {
  const markers = await readErasureMarkers(store.blobs, orgId);
  await restoreErasureRows(store.knex, orgId, markers);
  return new ErasedRecords(orgId, markers);
}
