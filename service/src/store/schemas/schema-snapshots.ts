/**
 * Describe snapshots: each distinct describe of an object is stored once in the bucket under
 * `orgs/{org}/schemas/{object}/{sha256}.json.gz` (the hash of its stable JSON), and listed in the
 * `schemas` table with the times it was first and last seen. Version packs name the snapshot they
 * were read with (`schemaHash`), so field definitions (formulas included) can be looked up later.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  assertObjectName,
  assertOrgId,
  parseSchemaKey,
  schemaKey,
  schemasPrefix,
} from '../packs/pack-keys.js';
import { storeNow, type StoreContext } from '../store-context.js';
import { UnknownOrgError } from '../versions/objects-repository.js';

/**
 * JSON with object keys sorted at every level (by code unit), so equal describes hash equally. Written into one
 * string as it goes: a describe has thousands of small objects, and building lists of entries for each was most
 * of a schema scan's own CPU.
 */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + stableStringify(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v === undefined) continue;
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(key)}:${stableStringify(v)}`;
  }
  return `${out}}`;
}

function fieldCount(describe: unknown): number {
  const fields = (describe as { fields?: unknown } | null)?.fields;
  return Array.isArray(fields) ? fields.length : 0;
}

/** Stores a describe snapshot (once per distinct content) and marks it seen now; returns its hash. */
export async function saveSchemaSnapshot(
  store: StoreContext,
  orgId: string,
  object: string,
  describe: unknown,
): Promise<{ hash: string; created: boolean }> {
  if (describe === null || typeof describe !== 'object' || Array.isArray(describe))
    throw new Error(`describe of ${object} must be an object`);
  const json = stableStringify(describe);
  const hash = createHash('sha256').update(json).digest('hex');
  const key = schemaKey(orgId, object, hash);
  await store.blobs.putIfAbsent(key, gzipSync(json), { contentType: 'application/gzip' });
  const now = storeNow(store);
  assertOrgId(orgId);
  assertObjectName(object);
  // One round trip: the schemas row, and the object's row (made when there is none yet) naming the snapshot.
  const result = await store.knex.raw<{ rows: Array<{ inserted: boolean; objects: number }> }>(
    `WITH snapshot AS (
       INSERT INTO schemas (org_id, object, hash, bucket_key, field_count, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (org_id, object, hash) DO UPDATE SET last_seen_at = GREATEST(schemas.last_seen_at, EXCLUDED.last_seen_at)
       RETURNING (xmax = 0) AS inserted
     ), updated AS (
       UPDATE objects SET describe_hash = ? WHERE org_id = ? AND name = ? RETURNING object_key
     ), created AS (
       INSERT INTO objects (org_id, name, describe_hash)
       SELECT org_id, ?, ? FROM orgs WHERE org_id = ? AND NOT EXISTS (SELECT 1 FROM updated)
       ON CONFLICT (org_id, name) DO UPDATE SET describe_hash = EXCLUDED.describe_hash
       RETURNING object_key
     )
     SELECT (SELECT inserted FROM snapshot) AS inserted,
            (SELECT count(*) FROM updated)::int + (SELECT count(*) FROM created)::int AS objects`,
    [orgId, object, hash, key, fieldCount(describe), now, now, hash, orgId, object, object, hash, orgId],
  );
  const row = result.rows[0];
  if (!row || row.objects === 0) throw new UnknownOrgError(orgId);
  return { hash, created: row.inserted === true };
}

/** A stored describe snapshot. */
export async function readSchemaSnapshot(
  store: StoreContext,
  orgId: string,
  object: string,
  hash: string,
): Promise<unknown> {
  return JSON.parse(
    gunzipSync(await store.blobs.get(schemaKey(orgId, object, hash))).toString('utf8'),
  ) as unknown;
}

/**
 * rebuild-index: lists the bucket's snapshots into `schemas`. First/last seen come from the packs
 * that name the snapshot (when it was used), else the time of the rebuild. Returns how many were added.
 */
export async function restoreSchemas(store: StoreContext, orgId: string): Promise<number> {
  let added = 0;
  const now = storeNow(store);
  for await (const info of store.blobs.list(schemasPrefix(orgId))) {
    const parsed = parseSchemaKey(info.key);
    if (!parsed || parsed.orgId !== orgId) continue;
    const known = await store
      .knex('schemas')
      .where({ org_id: orgId, object: parsed.object, hash: parsed.hash })
      .first('hash');
    if (known) continue;
    const describe = await readSchemaSnapshot(store, orgId, parsed.object, parsed.hash);
    const used = await store
      .knex('packs')
      .where({ org_id: orgId, schema_hash: parsed.hash })
      .first<{ first: Date | null; last: Date | null }>(
        store.knex.raw('min(written_at) AS first'),
        store.knex.raw('max(written_at) AS last'),
      );
    await store
      .knex('schemas')
      .insert({
        org_id: orgId,
        object: parsed.object,
        hash: parsed.hash,
        bucket_key: info.key,
        field_count: fieldCount(describe),
        first_seen_at: used?.first ?? now,
        last_seen_at: used?.last ?? now,
      })
      .onConflict(['org_id', 'object', 'hash'])
      .ignore();
    added += 1;
  }
  // Each object's current describe: the snapshot seen last.
  await store.knex.raw(
    `UPDATE objects o SET describe_hash = s.hash
       FROM (SELECT DISTINCT ON (object) object, hash FROM schemas WHERE org_id = ? ORDER BY object, last_seen_at DESC, hash) s
      WHERE o.org_id = ? AND o.name = s.object AND o.describe_hash IS NULL`,
    [orgId, orgId],
  );
  return added;
}
