/**
 * An in-memory BlobStore for store tests: the same contract as the real stores, checked by the same suite
 * (blob-store.contract.test.ts) — key rules, ranged reads, checksums, copies handed out — plus read counting.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import {
  rangeBeyondEnd,
  validateBlobKey,
  validateBlobPrefix,
  validateRange,
} from '../../../src/store/blob/blob-key.js';
import {
  BlobChecksumError,
  BlobNotFoundError,
  type BlobInfo,
  type BlobStore,
  type ByteRange,
  type PutOptions,
  type PutResult,
} from '../../../src/store/blob/blob-store.js';
import { crc32cBase64Of } from '../../../src/store/blob/crc32c.js';

export class MemoryBlobStore implements BlobStore {
  readonly url = 'memory://test';
  /** The stored bytes by key. Tests may read or replace entries (to damage a pack, say); the store copies in and out. */
  readonly objects = new Map<string, Buffer>();
  /** Every get/getStream call, for asserting "one ranged read". */
  readonly reads: Array<{ key: string; range?: ByteRange }> = [];

  async putIfAbsent(key: string, body: Buffer | Readable, options?: PutOptions): Promise<PutResult> {
    validateBlobKey(key);
    // A copy: the caller may reuse its buffer once the write has resolved.
    const bytes = Buffer.isBuffer(body) ? Buffer.from(body) : await buffer(body);
    if (options?.md5 !== undefined) {
      const md5 = createHash('md5').update(bytes).digest('base64');
      if (md5 !== options.md5)
        throw new BlobChecksumError(key, `expected md5 ${options.md5}, received bytes have md5 ${md5}`);
    }
    const existing = this.objects.get(key);
    if (existing) return { created: false, size: existing.length };
    this.objects.set(key, bytes);
    return { created: true, size: bytes.length };
  }

  get(key: string, range?: ByteRange): Promise<Buffer> {
    try {
      return Promise.resolve(this.read(key, range));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  async getStream(key: string, range?: ByteRange): Promise<Readable> {
    return Readable.from([await this.get(key, range)]);
  }

  stat(key: string): Promise<BlobInfo | null> {
    try {
      const bytes = this.objects.get(validateBlobKey(key));
      if (!bytes) return Promise.resolve(null);
      return Promise.resolve({
        key,
        size: bytes.length,
        md5: createHash('md5').update(bytes).digest('base64'),
        crc32c: crc32cBase64Of(bytes),
      });
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    validateBlobPrefix(prefix);
    for (const key of [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort()) {
      const bytes = this.objects.get(key);
      if (bytes) yield { key, size: bytes.length }; // not when deleted since the listing began
    }
  }

  delete(key: string): Promise<void> {
    try {
      this.objects.delete(validateBlobKey(key));
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  async copyIfAbsent(from: string, to: string): Promise<PutResult> {
    validateBlobKey(from);
    validateBlobKey(to);
    const bytes = this.objects.get(from);
    if (!bytes) throw new BlobNotFoundError(from);
    return this.putIfAbsent(to, bytes);
  }

  /** A copy of the object or of the inclusive range (cut at its end, as GCS does); a start past the end is refused. */
  private read(key: string, range?: ByteRange): Buffer {
    validateBlobKey(key);
    const checked = range ? validateRange(key, range) : undefined;
    this.reads.push(range ? { key, range } : { key });
    const bytes = this.objects.get(key);
    if (!bytes) throw new BlobNotFoundError(key);
    if (!checked) return Buffer.from(bytes);
    if (checked.start >= bytes.length) throw rangeBeyondEnd(key, checked.start, bytes.length);
    return Buffer.from(bytes.subarray(checked.start, Math.min(checked.end, bytes.length - 1) + 1));
  }
}
