/**
 * One contract, both bucket implementations: the filesystem store on a temp dir and the GCS store
 * (the real @google-cloud/storage client) against an in-process gcs-sim — and the in-memory double
 * most store tests use, so it behaves like them. GCS-only behaviour (retries through outages, bucket
 * creation, permission errors) follows at the end.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pathToFileURL } from 'node:url';
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Storage } from '@google-cloud/storage';
import { startGcsSim, type GcsSim } from '../../../test/gcs-sim/src/index.js';
import {
  BlobChecksumError,
  BlobNotFoundError,
  InvalidBlobKeyError,
  type BlobInfo,
  type BlobStore,
} from '../../src/store/blob/blob-store.js';
import { crc32cBase64Of } from '../../src/store/blob/crc32c.js';
import { openBlobStore, type BlobStoreLogger } from '../../src/store/blob/open-blob-store.js';
import { MemoryBlobStore } from './support/memory-blob-store.js';

const MiB = 1024 * 1024;
/** Short client retry delays; the SDK rejects a maxRetryDelay below 1 s. */
const FAST_RETRY = { maxRetries: 8, retryDelayMultiplier: 1.2, maxRetryDelay: 1, totalTimeout: 60 };

interface LogLine {
  level: 'info' | 'warn';
  obj: object;
  msg: string;
}

function recordingLogger(): BlobStoreLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
  };
}

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('base64');
}

async function collect(iter: AsyncIterable<BlobInfo>): Promise<BlobInfo[]> {
  const out: BlobInfo[] = [];
  for await (const info of iter) out.push(info);
  return out;
}

function chunked(data: Buffer, size = 64 * 1024): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return Readable.from(parts);
}

interface Harness {
  store: BlobStore;
  close(): Promise<void>;
}

const implementations: Array<{ name: string; open(): Promise<Harness> }> = [
  {
    // The test double most store tests use: it must not be kinder than the real stores.
    name: 'in-memory test double (MemoryBlobStore)',
    open() {
      return Promise.resolve({ store: new MemoryBlobStore(), close: () => Promise.resolve() });
    },
  },
  {
    name: 'filesystem (file:///…)',
    async open() {
      const dir = mkdtempSync(path.join(tmpdir(), 'blob-contract-'));
      const store = openBlobStore(pathToFileURL(path.join(dir, 'bucket')).href, {
        logger: recordingLogger(),
      });
      return { store, close: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'GCS (gs://…, real SDK against gcs-sim)',
    async open() {
      const sim = await startGcsSim();
      const store = openBlobStore('gs://contract-bucket/backups/prod', {
        logger: recordingLogger(),
        gcs: {
          apiEndpoint: sim.url,
          projectId: 'contract',
          retry: FAST_RETRY,
          uploadRestartDelayMs: 50,
          listPageSize: 100,
        },
      });
      return { store, close: () => sim.close() };
    },
  },
];

for (const impl of implementations) {
  describe(`BlobStore contract: ${impl.name}`, () => {
    let h: Harness;
    let store: BlobStore;
    before(async () => {
      h = await impl.open();
      store = h.store;
    });
    after(() => h.close());

    test('putIfAbsent creates once and never overwrites', async () => {
      const first = await store.putIfAbsent('orgs/o1/packs/Account/p1.gz', Buffer.from('first body'), {
        contentType: 'application/gzip',
      });
      assert.deepEqual(first, { created: true, size: 10 });
      const again = await store.putIfAbsent(
        'orgs/o1/packs/Account/p1.gz',
        Buffer.from('a different, longer body'),
      );
      assert.deepEqual(again, { created: false, size: 10 });
      assert.equal((await store.get('orgs/o1/packs/Account/p1.gz')).toString(), 'first body');
    });

    test('concurrent putIfAbsent of one key: exactly one is created and its bytes are what is stored', async () => {
      const bodies = Array.from({ length: 8 }, (_, i) => Buffer.from(`contender ${i} `.repeat(100 + i)));
      const results = await Promise.all(bodies.map((b) => store.putIfAbsent('race/one-key', b)));
      const winners = results.map((r, i) => ({ ...r, i })).filter((r) => r.created);
      assert.equal(winners.length, 1, JSON.stringify(results));
      const winner = winners[0]!;
      assert.deepEqual(await store.get('race/one-key'), bodies[winner.i]);
      for (const r of results) assert.equal(r.size, bodies[winner.i]!.length);
    });

    test('get and getStream: whole object and inclusive ranges (first byte, last byte, middle)', async () => {
      const data = randomBytes(100_003);
      await store.putIfAbsent('read/data.bin', data);
      assert.deepEqual(await store.get('read/data.bin'), data);
      assert.deepEqual(await store.get('read/data.bin', { start: 0, end: 0 }), data.subarray(0, 1));
      assert.deepEqual(
        await store.get('read/data.bin', { start: 100_002, end: 100_002 }),
        data.subarray(100_002),
      );
      assert.deepEqual(
        await store.get('read/data.bin', { start: 4_096, end: 70_000 }),
        data.subarray(4_096, 70_001),
      );
      assert.deepEqual(await store.get('read/data.bin', { start: 0, end: 100_002 }), data);
      assert.deepEqual(
        await store.get('read/data.bin', { start: 99_000, end: 500_000 }),
        data.subarray(99_000),
        'an end past the object is cut',
      );
      assert.deepEqual(await buffer(await store.getStream('read/data.bin')), data);
      assert.deepEqual(
        await buffer(await store.getStream('read/data.bin', { start: 17, end: 20_017 })),
        data.subarray(17, 20_018),
      );
    });

    test('reads of a missing key reject with BlobNotFoundError; bad ranges with RangeError', async () => {
      await assert.rejects(
        store.get('read/missing'),
        (e: unknown) => e instanceof BlobNotFoundError && e.key === 'read/missing',
      );
      await assert.rejects(store.get('read/missing', { start: 0, end: 1 }), BlobNotFoundError);
      await assert.rejects(store.getStream('read/missing'), BlobNotFoundError);
      await store.putIfAbsent('read/small', Buffer.from('0123456789'));
      await assert.rejects(store.get('read/small', { start: 10, end: 20 }), RangeError);
      await assert.rejects(store.get('read/small', { start: 5, end: 4 }), RangeError);
      await assert.rejects(store.get('read/small', { start: -1, end: 4 }), RangeError);
    });

    test('stored bytes are the store’s own: changing a buffer given or returned changes nothing stored', async () => {
      const given = Buffer.from('original bytes');
      await store.putIfAbsent('own/x', given);
      given.fill(0x21);
      const whole = await store.get('own/x');
      assert.equal(whole.toString(), 'original bytes', 'the caller’s buffer was not kept');
      whole.fill(0x23);
      const part = await store.get('own/x', { start: 0, end: 7 });
      assert.equal(part.toString(), 'original');
      part.fill(0x24);
      const streamed = await buffer(await store.getStream('own/x'));
      streamed.fill(0x25);
      assert.equal((await store.get('own/x')).toString(), 'original bytes', 'reads hand out copies');
      assert.equal((await store.stat('own/x'))?.md5, md5(Buffer.from('original bytes')));
    });

    test('stat gives size and md5, null when absent', async () => {
      const data = Buffer.from('stat me');
      await store.putIfAbsent('stat/x', data);
      const info = await store.stat('stat/x');
      assert.equal(info?.key, 'stat/x');
      assert.equal(info?.size, data.length);
      assert.equal(info?.md5, md5(data));
      assert.equal(info?.crc32c, crc32cBase64Of(data));
      assert.equal(await store.stat('stat/absent'), null);
      assert.equal(await store.stat('stat'), null, 'a key prefix is not an object');
    });

    test('list: every key under a prefix in lexicographic key order, with sizes', async () => {
      const keys = ['ls/a-b', 'ls/a/b', 'ls/a/c/d', 'ls/a0', 'ls/b', 'ls/a/c-e', 'ls/ab/x'];
      for (const k of keys) await store.putIfAbsent(k, Buffer.from(k));
      const sorted = [...keys].sort();
      const all = await collect(store.list('ls/'));
      assert.deepEqual(
        all.map((i) => i.key),
        sorted,
      );
      assert.deepEqual(
        all.map((i) => i.size),
        sorted.map((k) => k.length),
      );
      assert.deepEqual(
        (await collect(store.list('ls/a/'))).map((i) => i.key),
        ['ls/a/b', 'ls/a/c-e', 'ls/a/c/d'],
      );
      assert.deepEqual(
        (await collect(store.list('ls/a'))).map((i) => i.key),
        sorted.filter((k) => k.startsWith('ls/a')),
        'a prefix may end part-way through a segment',
      );
      assert.deepEqual(await collect(store.list('ls/zzz')), []);
      assert.deepEqual(await collect(store.list('nothing-here/')), []);
      const everything = (await collect(store.list(''))).map((i) => i.key);
      assert.deepEqual(everything, [...everything].sort());
      assert.ok(everything.includes('ls/a/c/d'));
    });

    test('a listing goes on when keys it has not reached yet are deleted meanwhile', async () => {
      const keys = ['ls-del/a', 'ls-del/b', 'ls-del/c', 'ls-del/d'];
      for (const k of keys) await store.putIfAbsent(k, Buffer.from(k));
      const seen: string[] = [];
      for await (const info of store.list('ls-del/')) {
        if (seen.length === 0) for (const k of keys.slice(1)) await store.delete(k);
        seen.push(info.key);
      }
      assert.equal(seen[0], 'ls-del/a');
      // A store may still list a key deleted after it read that part of the listing (GCS pages), but only real ones.
      assert.ok(
        seen.every((k) => keys.includes(k)),
        JSON.stringify(seen),
      );
      assert.deepEqual(
        (await collect(store.list('ls-del/'))).map((i) => i.key),
        ['ls-del/a'],
      );
    });

    test('list pages through more keys than one page holds (GCS pages 100 keys here)', async () => {
      const keys = Array.from({ length: 345 }, (_, i) => `many/k${String(i).padStart(5, '0')}`);
      for (let i = 0; i < keys.length; i += 50)
        await Promise.all(keys.slice(i, i + 50).map((k) => store.putIfAbsent(k, Buffer.from('x'))));
      assert.deepEqual(
        (await collect(store.list('many/'))).map((i) => i.key),
        keys,
      );
    });

    test('large bodies (20 MiB, as Buffer and as stream) go up whole and read back identical', async () => {
      const data = randomBytes(20 * MiB + 123);
      assert.deepEqual(await store.putIfAbsent('large/buffer.bin', data), {
        created: true,
        size: data.length,
      });
      assert.deepEqual(await store.putIfAbsent('large/stream.bin', chunked(data)), {
        created: true,
        size: data.length,
      });
      for (const key of ['large/buffer.bin', 'large/stream.bin']) {
        const info = await store.stat(key);
        assert.equal(info?.size, data.length);
        assert.equal(info?.md5, md5(data));
      }
      assert.ok((await store.get('large/stream.bin')).equals(data));
      assert.deepEqual(
        await store.get('large/stream.bin', { start: 20 * MiB, end: 20 * MiB + 122 }),
        data.subarray(20 * MiB),
      );
      assert.deepEqual(await store.putIfAbsent('large/stream.bin', chunked(randomBytes(1000))), {
        created: false,
        size: data.length,
      });
    });

    test('a stream body and a correct md5 are accepted; a wrong md5 is rejected and nothing is kept', async () => {
      const data = Buffer.from('checked body');
      assert.equal((await store.putIfAbsent('md5/ok', chunked(data, 3), { md5: md5(data) })).created, true);
      assert.deepEqual(await store.get('md5/ok'), data);
      const wrong = md5(Buffer.from('something else'));
      await assert.rejects(store.putIfAbsent('md5/bad-buffer', data, { md5: wrong }), BlobChecksumError);
      await assert.rejects(
        store.putIfAbsent('md5/bad-stream', chunked(data, 3), { md5: wrong }),
        BlobChecksumError,
      );
      assert.equal(await store.stat('md5/bad-buffer'), null);
      assert.equal(await store.stat('md5/bad-stream'), null);
    });

    test('copyIfAbsent copies once, reports an existing target, rejects a missing source', async () => {
      const data = randomBytes(5000);
      await store.putIfAbsent('copy/tmp/upload-1', data);
      assert.deepEqual(await store.copyIfAbsent('copy/tmp/upload-1', 'copy/sha256/ab/abcdef'), {
        created: true,
        size: 5000,
      });
      assert.deepEqual(await store.get('copy/sha256/ab/abcdef'), data);
      await store.putIfAbsent('copy/tmp/upload-2', Buffer.from('other'));
      assert.deepEqual(await store.copyIfAbsent('copy/tmp/upload-2', 'copy/sha256/ab/abcdef'), {
        created: false,
        size: 5000,
      });
      assert.deepEqual(await store.get('copy/sha256/ab/abcdef'), data);
      await assert.rejects(
        store.copyIfAbsent('copy/tmp/none', 'copy/sha256/cd/none'),
        (e: unknown) => e instanceof BlobNotFoundError && e.key === 'copy/tmp/none',
      );
      assert.equal(await store.stat('copy/sha256/cd/none'), null);
    });

    test('delete removes a key; deleting an absent key is not an error', async () => {
      await store.putIfAbsent('del/x', Buffer.from('x'));
      await store.delete('del/x');
      assert.equal(await store.stat('del/x'), null);
      await assert.rejects(store.get('del/x'), BlobNotFoundError);
      await store.delete('del/x');
      await store.delete('del/never/was');
      assert.equal(
        (await store.putIfAbsent('del/x', Buffer.from('again'))).created,
        true,
        'a deleted key can be written anew',
      );
    });

    test('bad keys are refused with InvalidBlobKeyError naming the problem, before anything is touched', async () => {
      const bad: Array<[string, RegExp]> = [
        ['', /empty key/],
        ['/etc/passwd', /absolute/],
        ['a//b', /empty path segment/],
        ['a/b/', /empty path segment/],
        ['../outside', /'\.\.' segments/],
        ['a/../../outside', /'\.\.' segments/],
        ['a/./b', /'\.' segments/],
        ['a\\b', /backslash/],
        ['a\nb', /LF/],
        ['.incoming/x', /reserved/],
        ['x'.repeat(1025), /1024 bytes/],
      ];
      for (const [key, reason] of bad) {
        const isBad = (e: unknown): boolean => e instanceof InvalidBlobKeyError && reason.test(e.message);
        await assert.rejects(
          store.putIfAbsent(key, Buffer.from('x')),
          isBad,
          `putIfAbsent ${JSON.stringify(key)}`,
        );
        await assert.rejects(store.get(key), isBad, `get ${JSON.stringify(key)}`);
        await assert.rejects(store.getStream(key), isBad);
        await assert.rejects(store.stat(key), isBad);
        await assert.rejects(store.delete(key), isBad);
        await assert.rejects(store.copyIfAbsent('copy/tmp/upload-1', key), isBad);
        await assert.rejects(store.copyIfAbsent(key, 'copy/ok-target'), isBad);
      }
      await assert.rejects(collect(store.list('../')), InvalidBlobKeyError);
      await assert.rejects(collect(store.list('/abs')), InvalidBlobKeyError);
      assert.equal(await store.stat('copy/ok-target'), null);
    });
  });
}

describe('filesystem store specifics', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fs-blob-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('writes stay under the root and leave no temp files behind, also after a failed write', async () => {
    const root = path.join(dir, 'root');
    const store = openBlobStore(pathToFileURL(root).href, { logger: recordingLogger() });
    assert.equal(store.url, pathToFileURL(root).href);
    await store.putIfAbsent('a/b/c.bin', Buffer.from('abc'));
    await assert.rejects(
      store.putIfAbsent('a/b/d.bin', Buffer.from('abc'), { md5: md5(Buffer.from('nope')) }),
      BlobChecksumError,
    );
    const failing = new Readable({
      read() {
        this.destroy(new Error('source broke'));
      },
    });
    await assert.rejects(store.putIfAbsent('a/b/e.bin', failing), /source broke/);
    assert.deepEqual(readdirSync(path.join(root, '.incoming')), []);
    assert.deepEqual(readdirSync(path.join(root, 'a/b')), ['c.bin']);
    assert.equal(existsSync(path.join(dir, 'outside')), false);
    assert.deepEqual(
      (await collect(store.list(''))).map((i) => i.key),
      ['a/b/c.bin'],
      'the in-flight area is not listed',
    );
  });

  test('temp files a crashed writer left behind are swept on the next start, fresh ones kept', async () => {
    const root = path.join(dir, 'crashed');
    const incoming = path.join(root, '.incoming');
    mkdirSync(incoming, { recursive: true });
    writeFileSync(path.join(incoming, 'old.tmp'), 'half a pack');
    writeFileSync(path.join(incoming, 'recent.tmp'), 'someone else is writing this');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    utimesSync(path.join(incoming, 'old.tmp'), twoDaysAgo, twoDaysAgo);
    const store = openBlobStore(pathToFileURL(root).href, { logger: recordingLogger() });
    await store.putIfAbsent('k', Buffer.from('v'));
    assert.deepEqual(readdirSync(incoming), ['recent.tmp']);
  });

  test('a write after its directories were removed from outside makes them again', async () => {
    const root = path.join(dir, 'removed');
    const store = openBlobStore(pathToFileURL(root).href, { logger: recordingLogger() });
    await store.putIfAbsent('orgs/a/packs/x.gz', Buffer.from('first'));
    rmSync(path.join(root, 'orgs'), { recursive: true });
    await store.putIfAbsent('orgs/a/packs/y.gz', Buffer.from('second'));
    rmSync(path.join(root, '.incoming'), { recursive: true });
    await store.putIfAbsent('orgs/a/packs/z.gz', chunked(Buffer.from('third, streamed'), 4));
    assert.deepEqual(
      (await collect(store.list('orgs/'))).map((i) => i.key),
      ['orgs/a/packs/y.gz', 'orgs/a/packs/z.gz'],
    );
    assert.equal((await store.get('orgs/a/packs/z.gz')).toString(), 'third, streamed');
  });

  test('a stream of many small chunks is stored byte for byte', async () => {
    const root = path.join(dir, 'small-chunks');
    const store = openBlobStore(pathToFileURL(root).href, { logger: recordingLogger() });
    const data = randomBytes(3 * MiB + 12_345);
    const put = await store.putIfAbsent('body', chunked(data, 1000), { md5: md5(data) });
    assert.deepEqual(put, { created: true, size: data.length });
    assert.ok((await store.get('body')).equals(data));
  });
});

describe('GCS store specifics (gcs-sim)', () => {
  let sim: GcsSim;
  let client: Storage;
  before(async () => {
    sim = await startGcsSim();
    client = new Storage({ apiEndpoint: sim.url, projectId: 'contract' });
  });
  afterEach(() => {
    sim.setOutage(false);
    sim.clearErrors();
  });
  after(() => sim.close());

  function gcsStore(
    url: string,
    logger = recordingLogger(),
    extra: { chunkSize?: number; resumableThreshold?: number } = {},
  ): BlobStore {
    return openBlobStore(url, {
      logger,
      gcs: {
        apiEndpoint: sim.url,
        projectId: 'contract',
        retry: FAST_RETRY,
        uploadRestartDelayMs: 50,
        ...extra,
      },
    });
  }

  test('a bucket named in the URL that does not exist is created, and that is logged', async () => {
    const logger = recordingLogger();
    const store = gcsStore('gs://fresh-bucket/some/prefix', logger);
    assert.equal((await client.bucket('fresh-bucket').exists())[0], false);
    assert.equal((await store.putIfAbsent('k', Buffer.from('v'))).created, true);
    assert.equal((await client.bucket('fresh-bucket').exists())[0], true);
    assert.equal((await client.bucket('fresh-bucket').file('some/prefix/k').download())[0].toString(), 'v');
    const created = logger.lines.filter((l) => l.level === 'info' && /created/.test(l.msg));
    assert.equal(created.length, 1);
    assert.deepEqual((created[0]!.obj as { bucket: string }).bucket, 'fresh-bucket');
    await store.putIfAbsent('k2', Buffer.from('v'));
    assert.equal(logger.lines.filter((l) => /created/.test(l.msg)).length, 1, 'created once only');
  });

  test('an object written by someone else first answers 412: created false, their bytes kept', async () => {
    await client.createBucket('taken').catch(() => undefined);
    await client.bucket('taken').file('p/one').save('theirs', { resumable: false });
    await client.bucket('taken').file('p/big').save(randomBytes(1000), { resumable: false });
    const store = gcsStore('gs://taken/p', recordingLogger(), {
      resumableThreshold: 100,
      chunkSize: 256 * 1024,
    });
    assert.deepEqual(await store.putIfAbsent('one', Buffer.from('mine!!')), { created: false, size: 6 });
    assert.deepEqual(
      await store.putIfAbsent('big', randomBytes(2000)),
      { created: false, size: 1000 },
      'resumable path: 412 at session start',
    );
    assert.equal((await client.bucket('taken').file('p/one').download())[0].toString(), 'theirs');
  });

  test('an outage: the store keeps retrying and succeeds when the outage ends', async () => {
    const store = gcsStore('gs://outage-bucket');
    await store.putIfAbsent('warm', Buffer.from('up'));
    sim.setOutage(true);
    const before = sim.stats().faultsInjected;
    setTimeout(() => sim.setOutage(false), 1_500);
    assert.equal((await store.putIfAbsent('during-outage', Buffer.from('patient'))).created, true);
    assert.ok(sim.stats().faultsInjected - before >= 1, 'requests hit the outage');
    assert.equal((await store.get('during-outage')).toString(), 'patient');
  });

  test('a failed chunk of a large resumable upload is retried without losing or duplicating bytes', async () => {
    const store = gcsStore('gs://chunky', recordingLogger(), {
      resumableThreshold: 256 * 1024,
      chunkSize: 256 * 1024,
    });
    const data = randomBytes(1 * MiB + 77);
    sim.injectErrors([
      { path: '^/upload/.*upload_id=', method: 'PUT', status: 503, count: 2 },
      { path: '^/upload/.*upload_id=', method: 'PUT', action: 'reset', count: 1 },
    ]);
    assert.deepEqual(await store.putIfAbsent('big.bin', data), { created: true, size: data.length });
    assert.ok((await store.get('big.bin')).equals(data));
    assert.equal(sim.stats().faultsInjected >= 3, true);
  });

  test('429 and resets on reads and listings are retried', async () => {
    const store = gcsStore('gs://flaky-reads');
    await store.putIfAbsent('x', Buffer.from('x-body'));
    sim.injectErrors([
      { path: '/o/x\\?', method: 'GET', status: 429, count: 1 },
      { path: '/o/x\\?', method: 'GET', action: 'reset', count: 1 },
      { path: '/b/flaky-reads/o\\?', method: 'GET', status: 502, count: 1 },
    ]);
    assert.equal((await store.get('x')).toString(), 'x-body');
    assert.deepEqual(
      (await collect(store.list(''))).map((i) => i.key),
      ['x'],
    );
  });

  test('a download whose bytes do not match the stored crc32c is rejected', async () => {
    const store = gcsStore('gs://bitrot');
    await store.putIfAbsent('pack.gz', randomBytes(4096));
    sim.injectErrors([{ path: 'alt=media', action: 'corrupt', count: 2 }]);
    await assert.rejects(store.get('pack.gz'), BlobChecksumError);
    await assert.rejects(async () => buffer(await store.getStream('pack.gz')), BlobChecksumError);
    assert.equal((await store.get('pack.gz')).length, 4096, 'an intact read passes');
  });

  test('without permission to read bucket metadata the store warns and goes on', async () => {
    await client.createBucket('object-role-only');
    const logger = recordingLogger();
    const store = gcsStore('gs://object-role-only', logger);
    sim.injectErrors([
      { path: '^/storage/v1/b/object-role-only(\\?|$)', method: 'GET', status: 403, count: 1 },
    ]);
    assert.equal((await store.putIfAbsent('k', Buffer.from('v'))).created, true);
    assert.equal(logger.lines.filter((l) => l.level === 'warn' && /permission/.test(l.msg)).length, 1);
  });

  test('permission denied (403) names the bucket', async () => {
    const store = gcsStore('gs://locked-bucket');
    await store.putIfAbsent('a', Buffer.from('a'));
    sim.injectErrors([{ path: 'locked-bucket', status: 403, count: 10 }]);
    await assert.rejects(store.putIfAbsent('b', Buffer.from('b')), /locked-bucket.*403|403.*locked-bucket/);
    await assert.rejects(store.get('a'), /bucket "locked-bucket"/);
    await assert.rejects(collect(store.list('orgs/')), /bucket "locked-bucket".*listing/);
  });

  test('honours STORAGE_EMULATOR_HOST with no endpoint and no project given (bucket created there)', async () => {
    const saved = process.env.STORAGE_EMULATOR_HOST;
    process.env.STORAGE_EMULATOR_HOST = sim.url;
    try {
      const store = openBlobStore('gs://emulated/x', {
        logger: recordingLogger(),
        gcs: { retry: FAST_RETRY },
      });
      await store.putIfAbsent('k', Buffer.from('through the emulator host'));
      assert.equal((await store.get('k')).toString(), 'through the emulator host');
    } finally {
      if (saved === undefined) delete process.env.STORAGE_EMULATOR_HOST;
      else process.env.STORAGE_EMULATOR_HOST = saved;
    }
    assert.equal(
      (await client.bucket('emulated').file('x/k').download())[0].toString(),
      'through the emulator host',
    );
  });
});
