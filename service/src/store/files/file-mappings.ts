/**
 * File mappings: which content-addressed body (`orgs/{org}/files/sha256/…`) holds the file of a
 * ContentVersion, Attachment or Document version. Mappings are written into packs (kind `files`)
 * like record versions, then indexed in the `files` table, so rebuild-index restores them.
 * Failures (a body that could not be fetched) are recorded in the table only.
 */
import type { Knex } from 'knex';
import { buildPacks, packSummary } from '../packs/pack-builder.js';
import { PACK_CONTENT_TYPE } from '../packs/pack-format.js';
import { packKey } from '../packs/pack-keys.js';
import { storeNow, type StoreContext } from '../store-context.js';
import { ensureObjectKey } from '../versions/objects-repository.js';
import { assertVersion, compareVersions } from '../versions/version-entry.js';
import { applyCounters, indexPacks } from '../versions/version-writer.js';

export interface FileMapping {
  /** The ContentVersion / Attachment / Document id. */
  recordId: string;
  /** SystemModstamp of the record version whose body this is (canonical UTC). */
  systemModstamp: string;
  /** SHA-256 (hex) of the body. */
  sha256: string;
  size: number;
  /** MD5 (hex) of the body, when known: lets a later record with the same Salesforce checksum skip its download. */
  md5?: string;
}

function assertMapping(m: FileMapping): void {
  assertVersion({ id: m.recordId, systemModstamp: m.systemModstamp, deleted: false, fields: {} });
  if (!/^[0-9a-f]{64}$/.test(m.sha256))
    throw new Error(`file ${m.recordId}: sha256 must be 64 lowercase hex digits`);
  if (!Number.isSafeInteger(m.size) || m.size < 0)
    throw new Error(`file ${m.recordId}: size must be a non-negative integer`);
  if (m.md5 !== undefined && !/^[0-9a-f]{32}$/.test(m.md5))
    throw new Error(`file ${m.recordId}: md5 must be 32 lowercase hex digits`);
}

function mappingLine(m: FileMapping): string {
  return JSON.stringify({
    id: m.recordId,
    systemModstamp: m.systemModstamp,
    sha256: m.sha256,
    size: m.size,
    ...(m.md5 !== undefined && { md5: m.md5 }),
  });
}

/** Upserts `files` rows from a files pack's entry lines; returns how many became stored. */
export async function indexFileEntries(
  trx: Knex.Transaction,
  orgId: string,
  object: string,
  lines: readonly Buffer[],
  writtenAt: string,
  packId: string,
): Promise<number> {
  if (lines.length === 0) return 0;
  const pack = await trx('packs')
    .where({ org_id: orgId, pack_id: packId })
    .first<{ pack_key: number }>('pack_key');
  const rows = lines.map((line) => {
    const entry = JSON.parse(line.toString('utf8')) as {
      id: string;
      systemModstamp: string;
      sha256: string;
      size: number;
      md5?: string;
    };
    return {
      org_id: orgId,
      object,
      record_id: entry.id,
      system_modstamp: entry.systemModstamp,
      sha256: entry.sha256,
      size: entry.size,
      md5: entry.md5 ?? null,
      state: 'stored',
      error: null,
      error_code: null,
      next_attempt_at: null,
      pack_key: pack.pack_key,
      updated_at: writtenAt,
    };
  });
  let stored = 0;
  let bytes = 0;
  for (let i = 0; i < rows.length; i += 1000) {
    const changed = await trx('files')
      .insert(rows.slice(i, i + 1000))
      .onConflict(['org_id', 'record_id', 'system_modstamp'])
      .merge([
        'sha256',
        'size',
        'md5',
        'state',
        'error',
        'error_code',
        'next_attempt_at',
        'pack_key',
        'updated_at',
      ])
      .where('files.state', '<>', 'stored')
      .returning<Array<{ size: number }>>('size');
    stored += changed.length;
    bytes += changed.reduce((n, r) => n + Number(r.size), 0);
  }
  if (stored > 0) {
    await trx('objects')
      .where({ org_id: orgId, name: object })
      .increment({ files: stored, file_bytes: bytes });
    await trx.raw(
      `INSERT INTO daily_stats (org_id, day, files) VALUES (?, (?::timestamptz AT TIME ZONE 'UTC')::date, ?)
       ON CONFLICT (org_id, day) DO UPDATE SET files = daily_stats.files + EXCLUDED.files`,
      [orgId, writtenAt, stored],
    );
  }
  return stored;
}

/**
 * Deletes `files` rows (those `where` selects, within the org and object) and takes the stored ones off the
 * object's file counters and their day's `daily_stats`; the SHA-256 of each stored body they named.
 */
export async function forgetFileRows(
  trx: Knex.Transaction,
  orgId: string,
  object: string,
  where: (q: Knex.QueryBuilder) => Knex.QueryBuilder,
): Promise<{ rows: number; bodies: string[] }> {
  const gone = await where(trx('files').where({ org_id: orgId, object }))
    .delete()
    .returning<Array<{ state: string; size: string | null; updated_at: Date; sha256: string | null }>>([
      'state',
      'size',
      'updated_at',
      'sha256',
    ]);
  const stored = gone.filter((f) => f.state === 'stored');
  if (stored.length > 0) {
    const bytes = stored.reduce((n, f) => n + Number(f.size ?? 0), 0);
    await trx('objects')
      .where({ org_id: orgId, name: object })
      .decrement({ files: stored.length, file_bytes: bytes });
    for (const f of stored)
      await trx.raw(
        `UPDATE daily_stats SET files = files - 1 WHERE org_id = ? AND day = (?::timestamptz AT TIME ZONE 'UTC')::date`,
        [orgId, f.updated_at.toISOString()],
      );
  }
  return { rows: gone.length, bodies: stored.flatMap((f) => (f.sha256 === null ? [] : [f.sha256])) };
}

/** Writes file mappings into a pack, then indexes them in one transaction. Returns how many were new. */
export async function writeFileMappings(
  store: StoreContext,
  orgId: string,
  object: string,
  mappings: readonly FileMapping[],
): Promise<{ stored: number; packs: string[] }> {
  for (const m of mappings) assertMapping(m);
  if (mappings.length === 0) return { stored: 0, packs: [] };
  const objectKey = await ensureObjectKey(store.knex, orgId, object);
  const sorted = [...mappings].sort((a, b) =>
    compareVersions(
      { id: a.recordId, systemModstamp: a.systemModstamp },
      { id: b.recordId, systemModstamp: b.systemModstamp },
    ),
  );
  const writtenAt = storeNow(store).toISOString();
  const lines = sorted.map((m) => ({ json: mappingLine(m), systemModstamp: m.systemModstamp }));
  const packs = await buildPacks(
    { kind: 'files', orgId, object, schemaHash: null, writtenAt, cursor: null },
    lines,
    store.packOptions,
  );
  await Promise.all(
    packs.map((p) =>
      store.blobs.putIfAbsent(packKey(orgId, object, p.id), p.bytes, { contentType: PACK_CONTENT_TYPE }),
    ),
  );
  const stored = await store.knex.transaction(async (trx) => {
    const totals = await indexPacks(
      trx,
      { orgId, objectKey, object },
      packs.map((p) => ({ pack: packSummary(p), rows: [] })),
    );
    await applyCounters(trx, orgId, objectKey, totals, writtenAt);
    let n = 0;
    for (const p of packs)
      n += await indexFileEntries(
        trx,
        orgId,
        object,
        lines.slice(p.firstLine, p.firstLine + p.header.count).map((l) => Buffer.from(l.json)),
        writtenAt,
        p.id,
      );
    return n;
  });
  return { stored, packs: packs.map((p) => p.id) };
}

/** A failed body is tried again after 15 minutes, then 30, 60 … at most a day later. */
export const FILE_RETRY_FIRST_MS = 15 * 60_000;
export const FILE_RETRY_MAX_MS = 24 * 3600_000;

/**
 * Records that a file body could not be stored (shown in the errors list by the caller): the attempt is counted
 * and the next one waits 15 minutes, doubling each time up to a day (from `at`, default now).
 */
export async function recordFileFailure(
  knex: Knex,
  orgId: string,
  object: string,
  recordId: string,
  systemModstamp: string,
  error: string,
  options: { code?: string; at?: Date } = {},
): Promise<void> {
  const at = options.at ?? new Date();
  const retryAfter = (attempts: string) =>
    knex.raw(
      `CAST(? AS timestamptz) + least(?, ? * power(2, least(${attempts}, 20))) * interval '1 millisecond'`,
      [at, FILE_RETRY_MAX_MS, FILE_RETRY_FIRST_MS],
    );
  await knex('files')
    .insert({
      org_id: orgId,
      object,
      record_id: recordId,
      system_modstamp: systemModstamp,
      state: 'failed',
      error,
      error_code: options.code ?? null,
      attempts: 1,
      next_attempt_at: retryAfter('0'),
      updated_at: at,
    })
    .onConflict(['org_id', 'record_id', 'system_modstamp'])
    .merge({
      error,
      error_code: options.code ?? null,
      attempts: knex.raw('files.attempts + 1'),
      next_attempt_at: retryAfter('files.attempts'),
      updated_at: at,
    })
    .where('files.state', '<>', 'stored');
}
