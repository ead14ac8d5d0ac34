import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FsBlobStore } from '../../src/store/blob/fs-blob-store.js';
import { GcsBlobStore } from '../../src/store/blob/gcs-blob-store.js';
import { openBlobStore } from '../../src/store/blob/open-blob-store.js';

const logger = { info: () => undefined, warn: () => undefined };

describe('openBlobStore(STORAGE_URL)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'open-blob-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('gs://bucket and gs://bucket/prefix open a GCS store with that bucket and prefix', () => {
    const plain = openBlobStore('gs://my-backups', { logger });
    assert.ok(plain instanceof GcsBlobStore);
    assert.equal(plain.url, 'gs://my-backups');
    assert.equal(plain.bucketName, 'my-backups');
    const prefixed = openBlobStore('gs://my-backups/prod/eu/', { logger });
    assert.equal(prefixed.url, 'gs://my-backups/prod/eu');
  });

  test('file:///abs/path opens a filesystem store rooted there', () => {
    const root = path.join(dir, 'bucket dir');
    const store = openBlobStore(pathToFileURL(root).href, { logger });
    assert.ok(store instanceof FsBlobStore);
    assert.equal(store.root, root, 'percent-escapes are decoded');
    assert.equal(store.url, pathToFileURL(root).href);
  });

  test('anything else is refused with a message naming STORAGE_URL and the expected forms', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /empty/],
      ['   ', /empty/],
      ['/var/backups', /no scheme/],
      ['backups', /no scheme/],
      ['s3://bucket/x', /scheme 's3:'/],
      ['https://storage.googleapis.com/b', /scheme 'https:'/],
      ['gs://', /not a valid GCS bucket name/],
      ['gs://Upper_Case', /not a valid GCS bucket name/],
      ['gs://ab', /not a valid GCS bucket name/],
      ['gs://bucket//x', /empty, '\.' or '\.\.' segment/],
      ['gs://bucket/a/../b', /'\.\.' segment/],
      ['file://server/share', /must not name a host/],
      ['file:relative/path', /absolute/],
      ['file:///', /filesystem root/],
      ['file:///tmp/x?y=1', /query/],
    ];
    for (const [url, reason] of cases) {
      assert.throws(
        () => openBlobStore(url, { logger }),
        (e: unknown) => {
          const message = (e as Error).message;
          assert.match(message, /STORAGE_URL/, url);
          assert.match(message, /gs:\/\/BUCKET\[\/PREFIX\] or file:\/\/\/ABSOLUTE\/PATH/, url);
          assert.match(message, reason, url);
          return true;
        },
      );
    }
  });
});
