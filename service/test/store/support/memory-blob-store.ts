/** An in-memory BlobStore for store tests: same contract as the real stores, plus read counting. */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import {
  BlobNotFoundError,
  type BlobInfo,
  type BlobStore,
  type ByteRange,
  type PutOptions,
  type PutResult,
} from '../../../src/store/blob/blob-store.js';

export class MemoryBlobStore implements BlobStore {
  readonly url = 'memory://test';
  readonly objects = new Map<string, Buffer>();
  /** Every get/getStream call, for asserting "one ranged read". */
  readonly reads: Array<{ key: string; range?: ByteRange }> = [];

  async putIfAbsent(key: string, body: Buffer | Readable, options?: PutOptions): Promise<PutResult> {
    const bytes = Buffer.isBuffer(body) ? body : await buffer(body);
    if (options?.md5 && createHash('md5').update(bytes).digest('base64') !== options.md5)
      throw new Error(`md5 mismatch for ${key}`);
    const existing = this.objects.get(key);
    if (existing) return { created: false, size: existing.length };
    this.objects.set(key, Buffer.from(bytes));
    return { created: true, size: bytes.length };
  }

  get(key: string, range?: ByteRange): Promise<Buffer> {
    this.reads.push(range ? { key, range } : { key });
    const bytes = this.objects.get(key);
    if (!bytes) return Promise.reject(new BlobNotFoundError(key));
    return Promise.resolve(range ? bytes.subarray(range.start, range.end + 1) : bytes);
  }

  async getStream(key: string, range?: ByteRange): Promise<Readable> {
    return Readable.from([await this.get(key, range)]);
  }

  stat(key: string): Promise<BlobInfo | null> {
    const bytes = this.objects.get(key);
    return Promise.resolve(bytes ? { key, size: bytes.length } : null);
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    for (const key of [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort()) {
      yield { key, size: this.objects.get(key)!.length };
    }
  }

  delete(key: string): Promise<void> {
    this.objects.delete(key);
    return Promise.resolve();
  }

  async copyIfAbsent(from: string, to: string): Promise<PutResult> {
    const bytes = this.objects.get(from);
    if (!bytes) throw new BlobNotFoundError(from);
    return this.putIfAbsent(to, bytes);
  }
}
