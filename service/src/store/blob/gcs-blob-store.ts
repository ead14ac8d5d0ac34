/**
 * The Google Cloud Storage bucket (`STORAGE_URL=gs://bucket/prefix`), on `@google-cloud/storage`.
 * Every write carries `ifGenerationMatch: 0`, so an existing object is never replaced (412 →
 * `created: false`); uploads are checked by CRC32C (and by the caller's MD5 when given, which GCS
 * verifies server-side); whole reads are checked against `x-goog-hash`. Small bodies go up in one
 * multipart request, large ones and streams as chunked resumable uploads that survive a failed chunk.
 * The client honours `STORAGE_EMULATOR_HOST` (tests point it at test/gcs-sim).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as GcsSdk from '@google-cloud/storage';
import type { File, Storage } from '@google-cloud/storage';
import { nativeCrc32cGenerator } from './crc32c.js';
import { rangeBeyondEnd, validateBlobKey, validateBlobPrefix, validateRange } from './blob-key.js';
import {
  BlobChecksumError,
  BlobNotFoundError,
  type BlobInfo,
  type BlobStore,
  type ByteRange,
  type PutOptions,
  type PutResult,
} from './blob-store.js';

/** pino-compatible: `logger.info({ bucket }, 'message')`. */
export interface BlobStoreLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface GcsBlobStoreOptions {
  bucket: string;
  /** Object-name prefix without leading or trailing '/', '' for the bucket root. */
  prefix?: string;
  logger: BlobStoreLogger;
  /** Bodies larger than this go up as resumable uploads (default 8 MiB). */
  resumableThreshold?: number;
  /** Size of one resumable chunk, a multiple of 256 KiB (default 8 MiB). */
  chunkSize?: number;
  /** Overrides of the client's retry policy (tests shorten the delays); delays in seconds, maxRetryDelay >= 1. */
  retry?: {
    autoRetry?: boolean;
    maxRetries?: number;
    retryDelayMultiplier?: number;
    maxRetryDelay?: number;
    totalTimeout?: number;
  };
  /** How often a Buffer upload is started anew after the client gave up on it (default 4 attempts). */
  uploadAttempts?: number;
  /** First pause before such a restart, doubled each time (default 1000 ms). */
  uploadRestartDelayMs?: number;
  /** Keys per listing request (default and GCS maximum 1000). */
  listPageSize?: number;
  /** Explicit endpoint; otherwise STORAGE_EMULATOR_HOST or Google's. */
  apiEndpoint?: string;
  /** Project for creating the bucket when it is missing (default: the client's own discovery). */
  projectId?: string;
}

const MiB = 1024 * 1024;

/** HTTP status of an SDK error: JSON API errors carry `code`, gaxios errors `status`/`response.status`. */
export function gcsStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; status?: unknown; response?: { status?: unknown } };
  for (const v of [e.code, e.status, e.response?.status]) {
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && /^\d{3}$/.test(v)) return Number(v);
  }
  return undefined;
}

/**
 * The SDK, loaded when a GCS store is first made or asked: it takes about half a second of CPU to load, which
 * every process start paid when STORAGE_URL names a filesystem bucket.
 */
function gcsSdk(): typeof GcsSdk {
  return createRequire(import.meta.url)('@google-cloud/storage') as typeof GcsSdk;
}

/**
 * The SDK's own test, plus HTTP 408/429/5xx wherever the status sits (the SDK looks only at
 * `code`, so a 503 answering a resumable session's status query, a gaxios error with `status`,
 * ends the upload). Used for restarting whole uploads only: handing it to the client as its
 * retryableErrorFn would retry that status query in a way that runs two upload loops at once.
 */
export function isRetryableGcsError(err: unknown): boolean {
  const { RETRYABLE_ERR_FN_DEFAULT } = gcsSdk();
  if (RETRYABLE_ERR_FN_DEFAULT(err as Parameters<typeof RETRYABLE_ERR_FN_DEFAULT>[0])) return true;
  const status = gcsStatusOf(err);
  return status !== undefined && (status === 408 || status === 429 || status >= 500);
}

/**
 * Under STORAGE_EMULATOR_HOST with no project configured, a placeholder project: otherwise the
 * client looks for one (ending at the GCE metadata server, seconds later) only to create a bucket
 * on an emulator that ignores projects.
 */
function emulatorProjectId(): string | undefined {
  const env = process.env;
  if (!env.STORAGE_EMULATOR_HOST || env.GOOGLE_CLOUD_PROJECT || env.GCLOUD_PROJECT) return undefined;
  return 'autobackup-emulator';
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    return (err as { message: string }).message;
  }
  return String(err);
}

export class GcsBlobStore implements BlobStore {
  readonly url: string;
  readonly bucketName: string;
  private readonly prefix: string;
  private readonly storage: Storage;
  private readonly logger: BlobStoreLogger;
  private readonly resumableThreshold: number;
  private readonly chunkSize: number;
  private readonly uploadAttempts: number;
  private readonly uploadRestartDelayMs: number;
  private readonly listPageSize: number;
  private ready: Promise<void> | undefined;

  constructor(options: GcsBlobStoreOptions) {
    this.bucketName = options.bucket;
    this.prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.url = `gs://${this.bucketName}${this.prefix ? `/${this.prefix}` : ''}`;
    this.logger = options.logger;
    this.resumableThreshold = options.resumableThreshold ?? 8 * MiB;
    this.chunkSize = options.chunkSize ?? 8 * MiB;
    this.uploadAttempts = options.uploadAttempts ?? 4;
    this.uploadRestartDelayMs = options.uploadRestartDelayMs ?? 1000;
    this.listPageSize = options.listPageSize ?? 1000;
    if (!Number.isInteger(this.listPageSize) || this.listPageSize < 1 || this.listPageSize > 1000) {
      throw new Error(`GCS listPageSize must be an integer 1-1000, got ${this.listPageSize}`);
    }
    if (this.chunkSize % (256 * 1024) !== 0)
      throw new Error(`GCS chunkSize must be a multiple of 256 KiB, got ${this.chunkSize}`);
    const projectId = options.projectId ?? emulatorProjectId();
    const { IdempotencyStrategy, Storage } = gcsSdk();
    this.storage = new Storage({
      crc32cGenerator: nativeCrc32cGenerator,
      ...(options.apiEndpoint !== undefined && { apiEndpoint: options.apiEndpoint }),
      ...(projectId !== undefined && { projectId }),
      retryOptions: {
        autoRetry: true,
        maxRetries: 6,
        retryDelayMultiplier: 2,
        maxRetryDelay: 32,
        totalTimeout: 600,
        ...options.retry,
        // Every request this store makes is idempotent: creates carry ifGenerationMatch=0, deletes
        // tolerate absence, the rest are reads. So retry all of them (the default would skip the
        // unconditioned delete, and then switch retries off for the whole client).
        idempotencyStrategy: IdempotencyStrategy.RetryAlways,
      },
    });
  }

  private objectName(key: string): string {
    validateBlobKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private file(key: string): File {
    return this.storage.bucket(this.bucketName).file(this.objectName(key));
  }

  /** Creates the bucket on first use when it does not exist (logged). */
  private ensureBucket(): Promise<void> {
    this.ready ??= (async () => {
      const bucket = this.storage.bucket(this.bucketName);
      let exists: boolean;
      try {
        [exists] = await bucket.exists();
      } catch (err) {
        if (gcsStatusOf(err) === 403) {
          // Object-level roles (e.g. Storage Object Admin) cannot read bucket metadata; the object calls will tell.
          this.logger.warn(
            { bucket: this.bucketName },
            'no permission to read GCS bucket metadata; assuming the bucket exists',
          );
          return;
        }
        throw this.describe(err, 'checking that the bucket exists', '');
      }
      if (exists) return;
      try {
        await bucket.create();
        this.logger.info({ bucket: this.bucketName, url: this.url }, 'created missing GCS bucket');
      } catch (err) {
        if (gcsStatusOf(err) === 409) return; // created meanwhile by someone else
        throw this.describe(err, 'creating the missing bucket', '');
      }
    })().catch((err: unknown) => {
      this.ready = undefined; // try again next time
      throw err;
    });
    return this.ready;
  }

  /** Wraps SDK errors so permission problems name the bucket and every error names the key. */
  private describe(err: unknown, doing: string, key: string): Error {
    const status = gcsStatusOf(err);
    // Not objectName(): `key` may be a list prefix, and an error report must not throw.
    const where = key
      ? `gs://${this.bucketName}/${this.prefix ? `${this.prefix}/` : ''}${key}`
      : `gs://${this.bucketName}`;
    if (status === 403 || status === 401) {
      return new Error(
        `GCS denied access to bucket "${this.bucketName}" (${status}) while ${doing} ${where}: ${errorText(err)}`,
        { cause: err },
      );
    }
    if (status === 404 && !key)
      return new Error(`GCS bucket "${this.bucketName}" does not exist (while ${doing})`, { cause: err });
    return new Error(`GCS error${status ? ` ${status}` : ''} while ${doing} ${where}: ${errorText(err)}`, {
      cause: err,
    });
  }

  async putIfAbsent(key: string, body: Buffer | Readable, options: PutOptions = {}): Promise<PutResult> {
    const file = this.file(key);
    if (Buffer.isBuffer(body) && options.md5 !== undefined) {
      const actual = createHash('md5').update(body).digest('base64');
      if (actual !== options.md5)
        throw new BlobChecksumError(key, `expected md5 ${options.md5}, body has md5 ${actual}`);
    }
    await this.ensureBucket();
    const resumable = !Buffer.isBuffer(body) || body.length > this.resumableThreshold;
    const writeOptions = {
      resumable,
      ...(resumable && { chunkSize: this.chunkSize }),
      validation: 'crc32c' as const,
      preconditionOpts: { ifGenerationMatch: 0 },
      metadata: {
        contentType: options.contentType ?? 'application/octet-stream',
        // GCS rejects the upload (400) when the bytes it received do not have this MD5.
        ...(options.md5 !== undefined && { md5Hash: options.md5 }),
      },
    };
    try {
      if (Buffer.isBuffer(body)) await this.saveWithRestarts(file, body, writeOptions);
      else await pipeline(body, file.createWriteStream(writeOptions));
    } catch (err) {
      const status = gcsStatusOf(err);
      if (status === 412) {
        const existing = await this.stat(key);
        return { created: false, size: existing?.size ?? 0 };
      }
      if (status === 400 && /md5|crc32c|checksum/i.test(errorText(err)))
        throw new BlobChecksumError(key, errorText(err));
      if ((err as { code?: unknown }).code === 'FILE_NO_UPLOAD')
        throw new BlobChecksumError(key, errorText(err));
      throw this.describe(err, 'uploading', key);
    }
    const size = Number(
      (file.metadata as { size?: string | number }).size ?? (Buffer.isBuffer(body) ? body.length : 0),
    );
    return { created: true, size };
  }

  /**
   * `File.save` retries what the client deems retryable, but a resumable session whose status
   * query fails (a 5xx there) ends the upload; a Buffer can simply be sent again in a new session.
   * ifGenerationMatch=0 keeps that safe: if an earlier attempt did land, the next one gets 412.
   */
  private async saveWithRestarts(
    file: File,
    body: Buffer,
    writeOptions: Parameters<File['save']>[1],
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await file.save(body, writeOptions);
        return;
      } catch (err) {
        if (attempt >= this.uploadAttempts || !isRetryableGcsError(err)) throw err;
        const delay = Math.min(this.uploadRestartDelayMs * 2 ** (attempt - 1), 30_000);
        this.logger.warn(
          { bucket: this.bucketName, object: file.name, attempt, delayMs: delay, err: errorText(err) },
          'GCS upload failed; starting it again',
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  async get(key: string, range?: ByteRange): Promise<Buffer> {
    const file = this.file(key);
    const checked = range ? validateRange(key, range) : undefined;
    try {
      const [data] = await file.download(checked ? { start: checked.start, end: checked.end } : {});
      return data;
    } catch (err) {
      throw this.readError(err, key, checked);
    }
  }

  async getStream(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.file(key);
    const checked = range ? validateRange(key, range) : undefined;
    const source = file.createReadStream(checked ? { start: checked.start, end: checked.end } : {});
    const out = new PassThrough();
    // The SDK only sends the request once the stream is read; piping starts it, and the first
    // response (or error) decides whether the caller gets a stream or a rejection.
    return new Promise<Readable>((resolve, reject) => {
      let settled = false;
      source.once('response', (res: { statusCode?: number }) => {
        if ((res.statusCode ?? 500) < 300 && !settled) {
          settled = true;
          resolve(out);
        }
      });
      source.on('error', (err: unknown) => {
        const mapped = this.readError(err, key, checked);
        if (settled) {
          out.destroy(mapped);
          return;
        }
        settled = true;
        out.destroy();
        reject(mapped);
      });
      source.pipe(out);
    });
  }

  private readError(err: unknown, key: string, range: ByteRange | undefined): Error {
    const status = gcsStatusOf(err);
    if (status === 404) return new BlobNotFoundError(key);
    if (status === 416 && range) return rangeBeyondEnd(key, range.start);
    if ((err as { code?: unknown }).code === 'CONTENT_DOWNLOAD_MISMATCH') {
      return new BlobChecksumError(
        key,
        `downloaded bytes do not match the stored checksum: ${errorText(err)}`,
      );
    }
    return this.describe(err, 'reading', key);
  }

  async stat(key: string): Promise<BlobInfo | null> {
    const file = this.file(key);
    try {
      const [meta] = await file.getMetadata();
      return {
        key,
        size: Number(meta.size ?? 0),
        ...(meta.md5Hash !== undefined && { md5: meta.md5Hash }),
        ...(meta.crc32c !== undefined && { crc32c: meta.crc32c }),
      };
    } catch (err) {
      if (gcsStatusOf(err) === 404) return null;
      throw this.describe(err, 'reading metadata of', key);
    }
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    validateBlobPrefix(prefix);
    const bucket = this.storage.bucket(this.bucketName);
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    let pageToken: string | undefined;
    do {
      let files: File[];
      let next: { pageToken?: string } | null;
      try {
        [files, next] = (await bucket.getFiles({
          prefix: this.prefix ? `${this.prefix}/${prefix}` : prefix,
          autoPaginate: false,
          maxResults: this.listPageSize,
          ...(pageToken !== undefined ? { pageToken } : {}),
        })) as unknown as [File[], { pageToken?: string } | null];
      } catch (err) {
        if (gcsStatusOf(err) === 404) return; // no bucket yet: nothing stored
        throw this.describe(err, 'listing', prefix || '(all keys)');
      }
      for (const f of files) {
        yield {
          key: f.name.slice(strip),
          size: Number(f.metadata.size ?? 0),
          ...(f.metadata.md5Hash !== undefined && { md5: f.metadata.md5Hash }),
          ...(f.metadata.crc32c !== undefined && { crc32c: f.metadata.crc32c }),
        };
      }
      pageToken = next?.pageToken;
    } while (pageToken);
  }

  async delete(key: string): Promise<void> {
    const file = this.file(key);
    try {
      await file.delete({ ignoreNotFound: true });
    } catch (err) {
      if (gcsStatusOf(err) === 404) return;
      throw this.describe(err, 'deleting', key);
    }
  }

  async copyIfAbsent(from: string, to: string): Promise<PutResult> {
    const source = this.file(from);
    const target = this.file(to);
    await this.ensureBucket();
    try {
      const [, apiResponse] = await source.copy(target, { preconditionOpts: { ifGenerationMatch: 0 } });
      const size = (apiResponse as { resource?: { size?: string } } | undefined)?.resource?.size;
      return { created: true, size: size !== undefined ? Number(size) : ((await this.stat(to))?.size ?? 0) };
    } catch (err) {
      const status = gcsStatusOf(err);
      if (status === 412) {
        const existing = await this.stat(to);
        return { created: false, size: existing?.size ?? 0 };
      }
      if (status === 404) throw new BlobNotFoundError(from);
      throw this.describe(err, `copying ${from} to`, to);
    }
  }
}
