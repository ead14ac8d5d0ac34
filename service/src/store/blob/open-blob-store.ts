/**
 * `STORAGE_URL` → BlobStore: `gs://bucket/prefix` (GCS; STORAGE_EMULATOR_HOST is honoured by the
 * client) or `file:///abs/path` (filesystem).
 */
import type { BlobStore } from './blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';
import { GcsBlobStore, type BlobStoreLogger, type GcsBlobStoreOptions } from './gcs-blob-store.js';

export type { BlobStoreLogger } from './gcs-blob-store.js';

export interface OpenBlobStoreOptions {
  logger: BlobStoreLogger;
  /** Extra settings for a GCS store (tests: retry delays, chunk sizes). */
  gcs?: Omit<GcsBlobStoreOptions, 'bucket' | 'prefix' | 'logger'>;
}

const EXPECTED = 'expected gs://BUCKET[/PREFIX] or file:///ABSOLUTE/PATH';
// GCS bucket names: 3-63 characters of a-z 0-9 - _ ., starting and ending with a letter or digit (dotted names up to 222).
const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

function invalid(storageUrl: string, why: string): Error {
  return new Error(`STORAGE_URL ${JSON.stringify(storageUrl)} is not usable: ${why}; ${EXPECTED}`);
}

export function openBlobStore(storageUrl: string, opts: OpenBlobStoreOptions): BlobStore {
  if (typeof storageUrl !== 'string' || storageUrl.trim() === '')
    throw invalid(String(storageUrl), 'it is empty');
  if (storageUrl.startsWith('gs://')) {
    const rest = storageUrl.slice('gs://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
    if (!BUCKET_NAME.test(bucket) || bucket.includes('..'))
      throw invalid(storageUrl, `'${bucket}' is not a valid GCS bucket name`);
    if (prefix !== '' && prefix.split('/').some((s) => s === '' || s === '.' || s === '..')) {
      throw invalid(storageUrl, `the prefix '${prefix}' has an empty, '.' or '..' segment`);
    }
    return new GcsBlobStore({ ...opts.gcs, bucket, prefix, logger: opts.logger });
  }
  if (storageUrl.startsWith('file:')) {
    let url: URL;
    try {
      url = new URL(storageUrl);
    } catch {
      throw invalid(storageUrl, 'it is not a valid URL');
    }
    if (url.host !== '' && url.host !== 'localhost')
      throw invalid(storageUrl, `a file: URL must not name a host ('${url.host}')`);
    if (url.search || url.hash) throw invalid(storageUrl, 'a file: URL must not carry a query or fragment');
    const root = decodeURIComponent(url.pathname);
    if (!storageUrl.startsWith('file:///') && !storageUrl.startsWith('file://localhost/'))
      throw invalid(storageUrl, 'the path must be absolute');
    if (root === '/') throw invalid(storageUrl, 'the filesystem root itself cannot be the bucket');
    return new FsBlobStore(root.replace(/\/+$/, ''));
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(storageUrl)?.[1];
  throw invalid(storageUrl, scheme ? `the scheme '${scheme}:' is not supported` : 'it has no scheme');
}
