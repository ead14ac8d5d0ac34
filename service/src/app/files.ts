/**
 * Backed-up file bodies (ContentVersion, Attachment, Document), as both doors show them: the list of mapped and
 * failed files, one file version resolved to its body, a short-lived signed link to download it (Apex callouts
 * carry at most 6 MB, so the package hands the user a link), and the body itself as a stream from the bucket.
 */
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { findRegisteredOrg } from '../backup/engine-factory.js';
import { fileObjectSpec } from '../backup/file-backup.js';
import { canonicalId } from '../salesforce/record-id.js';
import { signedTarget, type LinkSigner } from '../secrets/link-signer.js';
import type { ByteRange } from '../store/blob/blob-store.js';
import {
  fileBodyKey,
  fileRowsOfRecord,
  listFileRows,
  type FileRow,
  type FileState,
} from '../store/files/file-bodies.js';
import { findObjectByName } from '../store/registry/object-registry.js';
import { recordHistoryByKey, type StoredVersion } from '../store/versions/version-reader.js';
import type { AppContext } from './app-context.js';
import { AppError } from './app-error.js';
import { decodeCursor, encodeCursor, pageLimit, type Page } from './paging.js';

/** How long a download link works. */
export const FILE_LINK_TTL_MS = 5 * 60_000;

export type FileListItem = Omit<FileRow, 'updatedAt'>;

const fileCursor = z
  .object({ object: z.string().min(1), recordId: z.string().min(1), systemModstamp: z.iso.datetime() })
  .strict();

function listItem(r: FileRow): FileListItem {
  const { updatedAt: _updatedAt, ...item } = r;
  return item;
}

function requireFileObject(object: string): void {
  if (!fileObjectSpec(object))
    throw new AppError(
      'UNKNOWN_OBJECT',
      `"${object}" has no file bodies: files are ContentVersion, Attachment and Document`,
    );
}

/** Mapped and failed files of an org, by object, record and version; `failed` lists only failures. */
export async function listFiles(
  ctx: AppContext,
  orgId: string,
  query: {
    object?: string | undefined;
    failed?: boolean | undefined;
    cursor?: string | undefined;
    limit?: number | undefined;
  },
): Promise<Page<FileListItem>> {
  const org = await findRegisteredOrg(ctx.store.knex, orgId);
  if (query.object !== undefined) requireFileObject(query.object);
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, fileCursor);
  const limit = pageLimit(query.limit);
  const rows = await listFileRows(ctx.store.knex, org.orgId, {
    ...(query.object !== undefined && { object: query.object }),
    ...(query.failed === true && { failedOnly: true }),
    limit: limit + 1,
    ...(after && { after }),
  });
  const items = rows.slice(0, limit).map(listItem);
  const last = items[items.length - 1];
  return {
    items,
    next:
      rows.length > limit && last
        ? encodeCursor({ object: last.object, recordId: last.recordId, systemModstamp: last.systemModstamp })
        : null,
  };
}

/** One backed-up file version, resolved to its body in the bucket. */
export interface FileVersion {
  orgId: string;
  object: string;
  recordId: string;
  systemModstamp: string;
  sha256: string;
  size: number;
  fileName: string;
  contentType: string;
}

const CONTENT_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  html: 'text/html',
  xml: 'application/xml',
  json: 'application/json',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  zip: 'application/zip',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

function nameAndType(
  object: string,
  fields: StoredVersion['fields'],
): { fileName: string; contentType: string } {
  const spec = fileObjectSpec(object)!;
  const named = spec.nameFields.map((f) => fields[f]).find((v) => typeof v === 'string' && v.trim() !== '');
  const fileName = typeof named === 'string' ? named.replace(/^.*[\\/]/, '') : 'file';
  const declared = spec.contentTypeField ? fields[spec.contentTypeField] : undefined;
  const ext = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase();
  const contentType =
    typeof declared === 'string' && /^[\w.+-]+\/[\w.+-]+$/.test(declared)
      ? declared
      : ((ext && CONTENT_TYPES[ext]) ?? 'application/octet-stream');
  return { fileName, contentType };
}

/**
 * The stored body of a file record at `systemModstamp` (ISO), or of its newest version with a stored body.
 * NOT_FOUND names what is missing (unknown record or version, or a body not stored yet).
 */
export async function resolveFileVersion(
  ctx: AppContext,
  orgId: string,
  object: string,
  recordId: string,
  systemModstamp?: string,
): Promise<FileVersion> {
  const org = await findRegisteredOrg(ctx.store.knex, orgId);
  requireFileObject(object);
  const id = canonicalId(recordId);
  if (id === null)
    throw new AppError(
      'INVALID_REQUEST',
      `"${recordId}" is not a Salesforce record Id (15 or 18 letters and digits)`,
    );
  let stamp: string | undefined;
  if (systemModstamp !== undefined) {
    const at = Date.parse(systemModstamp);
    if (Number.isNaN(at))
      throw new AppError('INVALID_REQUEST', `systemModstamp: "${systemModstamp}" is not a time`);
    stamp = new Date(at).toISOString();
  }
  const known = await findObjectByName(ctx.store.knex, org.orgId, object);
  if (known === undefined)
    throw new AppError('NOT_FOUND', `object "${object}" is not known in org ${org.orgId}`);
  const rows = [...(await fileRowsOfRecord(ctx.store.knex, org.orgId, known.name, id)).values()]
    .filter((r) => r.state === 'stored' && r.sha256 !== null)
    .filter((r) => stamp === undefined || r.systemModstamp === stamp)
    .sort((a, b) => (a.systemModstamp < b.systemModstamp ? 1 : -1));
  const row = rows[0];
  if (!row)
    throw new AppError(
      'NOT_FOUND',
      stamp === undefined
        ? `no backed-up file body for ${known.name} ${id}`
        : `no backed-up file body for ${known.name} ${id} at ${stamp}`,
    );
  const [version] = await recordHistoryByKey(ctx.store, known.objectKey, id, {
    limit: 1,
    before: new Date(Date.parse(row.systemModstamp) + 1).toISOString(),
  });
  return {
    orgId: org.orgId,
    object: known.name,
    recordId: id,
    systemModstamp: row.systemModstamp,
    sha256: row.sha256!,
    size: row.size ?? 0,
    ...nameAndType(known.name, version?.fields ?? {}),
  };
}

export function fileContentPath(file: { orgId: string; object: string; recordId: string }): string {
  return `/api/v1/orgs/${file.orgId}/files/${file.object}/${file.recordId}/content`;
}

export interface FileLink {
  url: string;
  expiresAt: string;
  bytes: number;
  fileName: string;
  contentType: string;
}

/** A signed link (5 minutes) to one file version's body, built on PUBLIC_URL. */
export async function fileLink(
  ctx: AppContext,
  orgId: string,
  object: string,
  recordId: string,
  systemModstamp: string | undefined,
  signer: LinkSigner,
): Promise<FileLink> {
  const publicUrl = ctx.config.publicUrl;
  if (publicUrl === undefined)
    throw new AppError(
      'NOT_CONFIGURED',
      'PUBLIC_URL is not set: the service cannot build links that users can open; set it to its public HTTPS address',
    );
  const file = await resolveFileVersion(ctx, orgId, object, recordId, systemModstamp);
  const expiresAt = new Date(ctx.now().getTime() + FILE_LINK_TTL_MS);
  const path = fileContentPath(file);
  const versionQuery = { systemModstamp: file.systemModstamp };
  const signed = signer.sign(signedTarget(path, versionQuery), expiresAt);
  const url = new URL(path.slice(1), publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`);
  url.searchParams.set('systemModstamp', file.systemModstamp);
  url.searchParams.set('expires', signed.expires);
  url.searchParams.set('signature', signed.signature);
  return {
    url: url.toString(),
    expiresAt: expiresAt.toISOString(),
    bytes: file.size,
    fileName: file.fileName,
    contentType: file.contentType,
  };
}

/** The body of a resolved file version, whole or an inclusive byte range, streamed from the bucket. */
export function openFileBody(ctx: AppContext, file: FileVersion, range?: ByteRange): Promise<Readable> {
  return ctx.store.blobs.getStream(fileBodyKey(file.orgId, file.sha256), range);
}

/** What the record history shows of a file record's version: its body's state. */
export interface VersionFile {
  sha256: string | null;
  size: number | null;
  state: FileState;
  error?: string;
}

/**
 * The file state of each listed version of a file record (by SystemModstamp): stored or failed as recorded, and
 * pending for a live version whose body has not been tried yet (every version of a ContentVersion, the newest of
 * an Attachment or Document — the only one Salesforce still serves). Empty for other objects.
 */
export async function versionFiles(
  ctx: AppContext,
  orgId: string,
  object: string,
  recordId: string,
  versions: ReadonlyArray<{ systemModstamp: string; deleted: boolean }>,
  newestStamp: string | undefined,
): Promise<Map<string, VersionFile>> {
  const spec = fileObjectSpec(object);
  const out = new Map<string, VersionFile>();
  if (!spec) return out;
  const rows = await fileRowsOfRecord(ctx.store.knex, orgId, object, recordId);
  for (const v of versions) {
    const stamp = new Date(v.systemModstamp).toISOString();
    const row = rows.get(stamp);
    if (row)
      out.set(v.systemModstamp, {
        sha256: row.sha256,
        size: row.size,
        state: row.state,
        ...(row.state === 'failed' && row.error !== null && { error: row.error }),
      });
    else if (!v.deleted && (spec.everyVersion || v.systemModstamp === newestStamp))
      out.set(v.systemModstamp, { sha256: null, size: null, state: 'pending' });
  }
  return out;
}
