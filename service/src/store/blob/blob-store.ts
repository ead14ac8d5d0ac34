import type { Readable } from 'node:stream';

/**
 * The one narrow interface every bucket implementation offers (GCS, filesystem).
 * Keys are '/'-separated paths relative to the store's prefix, e.g. `orgs/00D…/packs/Account/ab12….gz`.
 * Objects are immutable: nothing is ever overwritten.
 */
export interface BlobStore {
  /** Where the store points, as given in STORAGE_URL: `gs://bucket/prefix` or `file:///path`. */
  readonly url: string;

  /**
   * Writes `key` only if it does not exist yet (GCS: `ifGenerationMatch: 0`; filesystem: temp file,
   * fsync, atomic link/rename). Resolves `created: false` when the key already exists (nothing changed).
   * The body is verified after upload (md5/crc32c); a mismatch rejects and leaves nothing behind.
   */
  putIfAbsent(key: string, body: Buffer | Readable, options?: PutOptions): Promise<PutResult>;

  /** Whole object, or the inclusive byte range [start, end]. Rejects with BlobNotFoundError when absent. */
  get(key: string, range?: ByteRange): Promise<Buffer>;

  /** Streaming read, whole object or an inclusive byte range. */
  getStream(key: string, range?: ByteRange): Promise<Readable>;

  /** Size and checksums, or null when the key does not exist. */
  stat(key: string): Promise<BlobInfo | null>;

  /** Every key under `prefix`, in lexicographic key order, paging internally. */
  list(prefix: string): AsyncIterable<BlobInfo>;

  /** Removes a key (used only to collect temporary objects and unreferenced orphans). Absent is not an error. */
  delete(key: string): Promise<void>;

  /**
   * Copies `from` to `to` only if `to` does not exist (content-addressed file bodies:
   * upload to a temporary key while hashing, then copy to the final name). `created: false` = already there.
   */
  copyIfAbsent(from: string, to: string): Promise<PutResult>;
}

export interface PutOptions {
  contentType?: string;
  /** Expected MD5 (base64), checked by the store when given. */
  md5?: string;
}

export interface PutResult {
  created: boolean;
  size: number;
}

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

export interface BlobInfo {
  key: string;
  size: number;
  md5?: string;
  crc32c?: string;
}

export class BlobNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`blob not found: ${key}`);
    this.name = 'BlobNotFoundError';
  }
}

/** A key (or list prefix) the stores refuse: empty, absolute, with `..`/`.`/empty segments, or otherwise unsafe. */
export class InvalidBlobKeyError extends Error {
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`invalid blob key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidBlobKeyError';
  }
}

/** The bytes a store received do not match the checksum the caller (or the store itself) expected; nothing was kept. */
export class BlobChecksumError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`checksum mismatch for ${key}: ${message}`);
    this.name = 'BlobChecksumError';
  }
}
