/**
 * The file step of an object's slice (mode `objects_and_files`, after its records are stored and caught up): the
 * bodies of ContentVersion (VersionData), Attachment (Body) and Document (Body) record versions, oldest first.
 *
 * - A record whose Salesforce checksum and size (ContentVersion.Checksum is the body's MD5, ContentSize) match a
 *   body already stored for the org is mapped to it without a download.
 * - Otherwise the body is streamed from Salesforce through SHA-256 and MD5 into a temporary bucket key, then copied
 *   to its content-addressed name `orgs/{org}/files/sha256/{ab}/{sha256}` only if absent (an identical body is
 *   stored once), and the temporary key is deleted: never on local disk, never whole in memory. Its size and MD5
 *   are checked against the record's when known.
 * - Mappings (record version → body) are written in batches into `files` packs (store/files/file-mappings.ts).
 * - A body that fails is recorded (the files row and an error with its hint) and tried again after a backoff; the
 *   others go on. The step stops at the next file boundary when the slice stops (pause, time budget, lease) or the
 *   org's mode leaves `objects_and_files` (Objects, Pause Files).
 */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RegistryObject } from '../store/registry/object-registry.js';
import { closeRecordErrors, recordError } from '../store/registry/error-log.js';
import { recordFileFailure, writeFileMappings, type FileMapping } from '../store/files/file-mappings.js';
import {
  fileBodyKey,
  filesDue,
  findStoredBody,
  incomingFileKey,
  markFilesDue,
  pendingFileVersions,
  sweepStaleIncoming,
  updateFilesDue,
  type PendingFileVersion,
} from '../store/files/file-bodies.js';
import { findOrg } from '../store/orgs/org-repository.js';
import { storeNow } from '../store/store-context.js';
import type { EngineContext } from './engine-context.js';
import { errorCodeOf, hintFor } from './error-hints.js';

/** The file objects: which base64 field holds the body, and what the record knows about it. */
export interface FileObjectSpec {
  field: string;
  /** Field holding the MD5 (hex) of the body, when the object has one. */
  checksumField?: string;
  sizeField: string;
  /** The body never changes once saved, so every version of a record maps to it (ContentVersion). */
  everyVersion: boolean;
  /** Fields naming the file for a download, first present wins. */
  nameFields: string[];
  contentTypeField?: string;
}

export const FILE_OBJECTS: Readonly<Record<string, FileObjectSpec>> = {
  ContentVersion: {
    field: 'VersionData',
    checksumField: 'Checksum',
    sizeField: 'ContentSize',
    everyVersion: true,
    nameFields: ['PathOnClient', 'Title'],
  },
  Attachment: {
    field: 'Body',
    sizeField: 'BodyLength',
    everyVersion: false,
    nameFields: ['Name'],
    contentTypeField: 'ContentType',
  },
  Document: {
    field: 'Body',
    sizeField: 'BodyLength',
    everyVersion: false,
    nameFields: ['Name'],
    contentTypeField: 'ContentType',
  },
};

export function fileObjectSpec(object: string): FileObjectSpec | undefined {
  return Object.hasOwn(FILE_OBJECTS, object) ? FILE_OBJECTS[object] : undefined;
}

export interface FileStepResult {
  /** Bodies downloaded and mapped. */
  downloaded: number;
  /** Versions mapped to a body already stored (same checksum and size), without a download. */
  reused: number;
  failed: number;
  /** Bytes downloaded. */
  bytes: number;
  /** Every pending body was tried (false when the step stopped early). */
  complete: boolean;
  /** Why the step did not run or stopped, if it did. */
  stopped?: string;
  /** The org's mode does not back files up now (Objects, Pause Files): the rest waits for the mode. */
  paused: boolean;
}

/** Pending versions read per round; mappings are written after each. */
const BATCH = 100;
/** How often the org's mode is read again while bodies are fetched. */
const MODE_CHECK_MS = 2_000;

/** The body's record did not match what was received (size or checksum): nothing is mapped. */
export class FileBodyMismatchError extends Error {
  readonly code = 'FILE_BODY_MISMATCH';
  constructor(message: string) {
    super(message);
    this.name = 'FileBodyMismatchError';
  }
}

/** Passes bytes through while computing their SHA-256, MD5 and length. */
class HashingStream extends Transform {
  private readonly sha256 = createHash('sha256');
  private readonly md5 = createHash('md5');
  size = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.sha256.update(chunk);
    this.md5.update(chunk);
    this.size += chunk.length;
    done(null, chunk);
  }

  digests(): { sha256: string; md5: string } {
    return { sha256: this.sha256.digest('hex'), md5: this.md5.digest('hex') };
  }
}

function knownMd5(spec: FileObjectSpec, v: PendingFileVersion): string | undefined {
  const raw = spec.checksumField ? v.fields[spec.checksumField] : undefined;
  return typeof raw === 'string' && /^[0-9a-fA-F]{32}$/.test(raw) ? raw.toLowerCase() : undefined;
}

function knownSize(spec: FileObjectSpec, v: PendingFileVersion): number | undefined {
  const raw = v.fields[spec.sizeField];
  return typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0 ? raw : undefined;
}

/**
 * Streams one record's body into the bucket under its SHA-256; returns the mapping. The temporary key is deleted
 * whatever happens.
 */
async function downloadBody(
  ctx: EngineContext,
  object: string,
  spec: FileObjectSpec,
  v: PendingFileVersion,
): Promise<FileMapping> {
  const { blobs } = ctx.store;
  const response = await ctx.session.openStream({
    path: `/sobjects/${object}/${v.recordId}/${spec.field}`,
    kind: 'files',
    // A body the org cannot serve now (its blob store failing) is tried again after a backoff, not held here.
    retries: 2,
  });
  const temp = incomingFileKey(ctx.org.orgId, storeNow(ctx.store));
  try {
    const hashing = new HashingStream();
    await Promise.all([
      pipeline(response.body, hashing),
      blobs.putIfAbsent(temp, hashing, { contentType: 'application/octet-stream' }),
    ]);
    const { sha256, md5 } = hashing.digests();
    const expectedSize = knownSize(spec, v) ?? response.size ?? undefined;
    if (expectedSize !== undefined && expectedSize !== hashing.size)
      throw new FileBodyMismatchError(
        `${object} ${v.recordId}: received ${hashing.size} bytes, the record says ${expectedSize}`,
      );
    const expectedMd5 = knownMd5(spec, v);
    if (expectedMd5 !== undefined && expectedMd5 !== md5)
      throw new FileBodyMismatchError(
        `${object} ${v.recordId}: the body's MD5 is ${md5}, the record's checksum ${expectedMd5}`,
      );
    // 412 / created:false: the same content is stored already (another record, or an earlier attempt).
    await blobs.copyIfAbsent(temp, fileBodyKey(ctx.org.orgId, sha256));
    return { recordId: v.recordId, systemModstamp: v.systemModstamp, sha256, size: hashing.size, md5 };
  } finally {
    response.body.destroy();
    await blobs.delete(temp).catch(() => undefined);
  }
}

/**
 * Backs up the pending bodies of one file object; a no-op for other objects. Runs under the slice's lease.
 * `newVersions`: record versions the slice stored before; without any, the step runs only when bodies are due
 * (`files_due_at`), so an idle object costs one small read, not a scan of its versions.
 */
export async function backupFiles(
  ctx: EngineContext,
  object: RegistryObject,
  newVersions: number,
): Promise<FileStepResult> {
  const result: FileStepResult = {
    downloaded: 0,
    reused: 0,
    failed: 0,
    bytes: 0,
    complete: true,
    paused: false,
  };
  const spec = fileObjectSpec(object.name);
  if (!spec) return result;
  const { knex } = ctx.store;
  const orgId = ctx.org.orgId;

  let modeReadAt = 0;
  const PAUSED = 'file backup is paused (mode objects_only)';
  const stopReason = async (): Promise<string | undefined> => {
    if (ctx.signal?.aborted) return String(ctx.signal.reason ?? 'the slice is stopping');
    if (Date.now() - modeReadAt >= MODE_CHECK_MS) {
      modeReadAt = Date.now();
      const org = await findOrg(knex, orgId);
      if (org?.mode !== 'objects_and_files') return PAUSED;
    }
    return undefined;
  };

  if (newVersions === 0 && !(await filesDue(ctx.store, orgId, object.name))) return result;
  const first = await stopReason();
  if (first) {
    // Records were stored while files are paused: the step is due once the mode allows it again.
    await markFilesDue(ctx.store, orgId, object.name);
    return { ...result, complete: false, stopped: first, paused: first === PAUSED };
  }
  await sweepStaleIncoming(ctx.store.blobs, orgId, storeNow(ctx.store));

  // Bodies stored in this run, by MD5 and size: later versions with the same checksum reuse them at once.
  const storedThisRun = new Map<string, FileMapping>();
  let budgetRefusal: Error | undefined;
  let after: { systemModstamp: string; recordId: string } | undefined;
  for (;;) {
    const batch = await pendingFileVersions(ctx.store, orgId, object.objectKey, {
      everyVersion: spec.everyVersion,
      limit: BATCH,
      ...(after && { after }),
    });
    if (batch.length === 0) break;
    const mappings: FileMapping[] = [];
    let stopped: string | undefined;
    for (const v of batch) {
      stopped = await stopReason();
      if (stopped) break;
      after = { systemModstamp: v.systemModstamp, recordId: v.recordId };
      const md5 = knownMd5(spec, v);
      const size = knownSize(spec, v);
      if (md5 !== undefined && size !== undefined) {
        const known = storedThisRun.get(`${md5}/${size}`) ?? (await findStoredBody(knex, orgId, md5, size));
        if (known) {
          mappings.push({
            recordId: v.recordId,
            systemModstamp: v.systemModstamp,
            sha256: known.sha256,
            size,
            md5,
          });
          result.reused++;
          continue;
        }
      }
      try {
        const mapping = await downloadBody(ctx, object.name, spec, v);
        mappings.push(mapping);
        storedThisRun.set(`${mapping.md5}/${mapping.size}`, mapping);
        result.downloaded++;
        result.bytes += mapping.size;
      } catch (err) {
        if ((err as Error | undefined)?.name === 'BudgetExhaustedError') {
          // The API budget allows no more now: nothing failed; what is done is written, then the slice waits.
          budgetRefusal = err as Error;
          stopped = budgetRefusal.message;
          break;
        }
        result.failed++;
        await recordBodyFailure(ctx, object.name, v, err);
      }
    }
    if (mappings.length > 0) {
      await writeFileMappings(ctx.store, orgId, object.name, mappings);
      await closeRecordErrors(
        knex,
        orgId,
        object.name,
        mappings.map((m) => m.recordId),
        storeNow(ctx.store),
      );
    }
    if (stopped) {
      result.complete = false;
      result.stopped = stopped;
      result.paused = stopped === PAUSED;
      break;
    }
  }
  await updateFilesDue(ctx.store, orgId, object.name, !result.complete);
  if (result.downloaded + result.reused + result.failed > 0)
    ctx.logger.info(
      { type: 'file-backup', orgId, object: object.name, ...result },
      result.complete ? 'file bodies backed up' : 'file backup stopped; the rest follows',
    );
  // The slice records the wait for the API budget (object-slice.ts), as for records.
  if (budgetRefusal) throw budgetRefusal;
  return result;
}

async function recordBodyFailure(
  ctx: EngineContext,
  object: string,
  v: PendingFileVersion,
  err: unknown,
): Promise<void> {
  const code = errorCodeOf(err, 'FILE_DOWNLOAD_FAILED');
  const message = err instanceof Error ? err.message : String(err);
  const at = storeNow(ctx.store);
  ctx.logger.warn(
    { type: 'file-backup', orgId: ctx.org.orgId, object, recordId: v.recordId, code, err },
    'file body could not be backed up; it is tried again later',
  );
  await recordFileFailure(ctx.store.knex, ctx.org.orgId, object, v.recordId, v.systemModstamp, message, {
    code,
    at,
  });
  await recordError(ctx.store.knex, {
    orgId: ctx.org.orgId,
    code,
    message,
    stack: err instanceof Error ? (err.stack ?? null) : null,
    hint: hintFor(code),
    object,
    recordId: v.recordId,
    at,
  });
}
