/**
 * The file step's view of the index: which record versions of a file object still need their body, which body a
 * known checksum already names, when the step is next due, and the rows the API and CLI show. Bodies live at
 * `orgs/{org}/files/sha256/{ab}/{sha256}` (content-addressed, written once); an upload in progress goes to a
 * temporary key under `orgs/{org}/incoming/` first (the store's own top-level `.incoming/` is not addressable
 * through the BlobStore interface), whose name starts with its creation time so leftovers of a crash are swept.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { BlobStore } from '../blob/blob-store.js';
import { storeNow, type StoreContext } from '../store-context.js';
import { decodeVersionLine, type VersionInput } from '../versions/version-entry.js';
import { LOCATED_COLUMNS, linesFor, type LocatedRow } from '../versions/version-reader.js';

export type FileState = 'stored' | 'failed' | 'pending';

export function fileBodyKey(orgId: string, sha256: string): string {
  return `orgs/${orgId}/files/sha256/${sha256.slice(0, 2)}/${sha256}`;
}

const INCOMING = (orgId: string) => `orgs/${orgId}/incoming/`;
/** A temporary upload older than this belongs to a run that died. */
const STALE_INCOMING_MS = 24 * 3600_000;

/** A fresh temporary key for one body being uploaded. */
export function incomingFileKey(orgId: string, now: Date = new Date()): string {
  return `${INCOMING(orgId)}${String(now.getTime()).padStart(15, '0')}-${randomUUID()}`;
}

/** Deletes temporary uploads of this org older than a day (a crashed run's leftovers); returns how many. */
export async function sweepStaleIncoming(blobs: BlobStore, orgId: string, now: Date): Promise<number> {
  let swept = 0;
  for await (const info of blobs.list(INCOMING(orgId))) {
    const started = Number(info.key.slice(INCOMING(orgId).length).split('-')[0]);
    if (Number.isFinite(started) && now.getTime() - started > STALE_INCOMING_MS) {
      await blobs.delete(info.key);
      swept++;
    }
  }
  return swept;
}

export interface PendingFileVersion {
  recordId: string;
  systemModstamp: string;
  /** The record version's stored fields (checksum, size, name). */
  fields: VersionInput['fields'];
  /** Attempts that failed before (0 for a body never tried). */
  attempts: number;
}

/**
 * Record versions of one file object whose body is not stored and not waiting for a retry, oldest first: every
 * live version when the body never changes once saved (ContentVersion), otherwise only each record's newest
 * version (Salesforce serves only an Attachment's or Document's current body).
 */
export async function pendingFileVersions(
  store: StoreContext,
  orgId: string,
  objectKey: number,
  options: { everyVersion: boolean; limit: number; after?: { systemModstamp: string; recordId: string } },
): Promise<PendingFileVersion[]> {
  const knex = store.knex;
  const query = knex
    .select(knex.raw(LOCATED_COLUMNS), 'v.record_id', 'f.attempts')
    .from('versions as v')
    .join('packs as p', 'p.pack_key', 'v.pack_key')
    .leftJoin('files as f', (j) =>
      j
        .on('f.record_id', 'v.record_id')
        .andOn('f.system_modstamp', 'v.system_modstamp')
        .andOnVal('f.org_id', orgId),
    )
    .where('v.object_key', objectKey)
    .andWhere('v.deleted', false)
    .andWhere((q) =>
      q
        .whereNull('f.record_id')
        .orWhere((r) =>
          r
            .where('f.state', 'failed')
            .andWhere((s) =>
              s.whereNull('f.next_attempt_at').orWhere('f.next_attempt_at', '<=', storeNow(store)),
            ),
        ),
    )
    .orderBy([
      { column: 'v.system_modstamp', order: 'asc' },
      { column: 'v.record_id', order: 'asc' },
    ])
    .limit(options.limit);
  if (options.after) {
    const { systemModstamp, recordId } = options.after;
    query.andWhere((q) =>
      q
        .where('v.system_modstamp', '>', systemModstamp)
        .orWhere((r) => r.where('v.system_modstamp', systemModstamp).andWhere('v.record_id', '>', recordId)),
    );
  }
  if (!options.everyVersion) {
    query.whereNotExists(
      knex
        .select(knex.raw('1'))
        .from('versions as n')
        .whereRaw(
          'n.object_key = v.object_key AND n.record_id = v.record_id AND n.system_modstamp > v.system_modstamp',
        ),
    );
  }
  const rows = (await query) as Array<LocatedRow & { record_id: string; attempts: number | null }>;
  const lines = await linesFor(store.blobs, rows);
  return lines.map((line, i) => {
    const v = decodeVersionLine(line);
    return {
      recordId: v.id,
      systemModstamp: v.systemModstamp,
      fields: v.fields,
      attempts: rows[i]!.attempts ?? 0,
    };
  });
}

/** A body of this org already stored with this MD5 (hex) and size, if any. */
export async function findStoredBody(
  knex: Knex,
  orgId: string,
  md5: string,
  size: number,
): Promise<{ sha256: string; size: number } | undefined> {
  const row = await knex('files')
    .where({ org_id: orgId, md5, size, state: 'stored' })
    .first<{ sha256: string; size: string } | undefined>('sha256', 'size');
  return row ? { sha256: row.sha256, size: Number(row.size) } : undefined;
}

/**
 * When the object's file step is next due: now when bodies are waiting (`pendingNow`), otherwise the earliest
 * retry of a failed body, or null when nothing is left to do.
 */
export async function updateFilesDue(
  store: StoreContext,
  orgId: string,
  object: string,
  pendingNow: boolean,
): Promise<Date | null> {
  const knex = store.knex;
  let due: Date | null = pendingNow ? storeNow(store) : null;
  if (due === null) {
    const row = await knex('files')
      .where({ org_id: orgId, object, state: 'failed' })
      .min<{ at: Date | null }>('next_attempt_at as at')
      .first();
    due = row?.at ?? null;
  }
  await knex('objects').where({ org_id: orgId, name: object }).update({ files_due_at: due });
  return due;
}

/** Whether the object's file step is due now (bodies pending, or a failed one's retry time reached). */
export async function filesDue(store: StoreContext, orgId: string, object: string): Promise<boolean> {
  const row = await store
    .knex('objects')
    .where({ org_id: orgId, name: object })
    .first<{ files_due_at: Date | null } | undefined>('files_due_at');
  const due = row?.files_due_at ?? null;
  return due !== null && due.getTime() <= storeNow(store).getTime();
}

/** Marks the object's file step due now unless it is due sooner (records were stored while files were paused). */
export async function markFilesDue(store: StoreContext, orgId: string, object: string): Promise<void> {
  const now = storeNow(store);
  await store
    .knex('objects')
    .where({ org_id: orgId, name: object })
    .andWhere((q) => q.whereNull('files_due_at').orWhere('files_due_at', '>', now))
    .update({ files_due_at: now });
}

export interface FileRow {
  object: string;
  recordId: string;
  systemModstamp: string;
  state: 'stored' | 'failed';
  sha256: string | null;
  size: number | null;
  error: string | null;
  errorCode: string | null;
  attempts: number;
  nextAttemptAt: string | null;
  updatedAt: string;
}

interface FileDbRow {
  object: string;
  record_id: string;
  system_modstamp: Date;
  state: 'stored' | 'failed';
  sha256: string | null;
  size: string | null;
  error: string | null;
  error_code: string | null;
  attempts: number;
  next_attempt_at: Date | null;
  updated_at: Date;
}

function fromDb(r: FileDbRow): FileRow {
  return {
    object: r.object,
    recordId: r.record_id,
    systemModstamp: r.system_modstamp.toISOString(),
    state: r.state,
    sha256: r.sha256,
    size: r.size === null ? null : Number(r.size),
    error: r.error,
    errorCode: r.error_code,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at?.toISOString() ?? null,
    updatedAt: r.updated_at.toISOString(),
  };
}

const FILE_COLUMNS = [
  'object',
  'record_id',
  'system_modstamp',
  'state',
  'sha256',
  'size',
  'error',
  'error_code',
  'attempts',
  'next_attempt_at',
  'updated_at',
];

/** Mapped and failed files, by object, record and stamp; `after` continues a page. */
export async function listFileRows(
  knex: Knex,
  orgId: string,
  options: {
    object?: string;
    failedOnly?: boolean;
    limit: number;
    after?: { object: string; recordId: string; systemModstamp: string };
  },
): Promise<FileRow[]> {
  const q = knex('files').where({ org_id: orgId });
  if (options.object !== undefined) q.andWhere({ object: options.object });
  if (options.failedOnly) q.andWhere({ state: 'failed' });
  if (options.after) {
    const a = options.after;
    q.andWhereRaw('(object, record_id, system_modstamp) > (?, ?, ?)', [
      a.object,
      a.recordId,
      a.systemModstamp,
    ]);
  }
  const rows = await q
    .orderBy(['object', 'record_id', 'system_modstamp'])
    .limit(options.limit)
    .select<FileDbRow[]>(FILE_COLUMNS);
  return rows.map(fromDb);
}

/** The file rows of one record's versions, by SystemModstamp (ISO). */
export async function fileRowsOfRecord(
  knex: Knex,
  orgId: string,
  object: string,
  recordId: string,
): Promise<Map<string, FileRow>> {
  const rows = await knex('files')
    .where({ org_id: orgId, object, record_id: recordId })
    .select<FileDbRow[]>(FILE_COLUMNS);
  return new Map(rows.map((r) => [r.system_modstamp.toISOString(), fromDb(r)]));
}

/** Stored file bodies of an object: how many mappings and their bytes (from the object's counters). */
export async function fileCounters(
  knex: Knex,
  orgId: string,
): Promise<Map<string, { files: number; fileBytes: number }>> {
  const rows = await knex('objects')
    .where({ org_id: orgId })
    .andWhere('files', '>', 0)
    .select<Array<{ name: string; files: string; file_bytes: string }>>('name', 'files', 'file_bytes');
  return new Map(rows.map((r) => [r.name, { files: Number(r.files), fileBytes: Number(r.file_bytes) }]));
}
