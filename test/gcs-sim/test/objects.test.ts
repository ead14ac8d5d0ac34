import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CRC32C, type Bucket, type Storage } from '@google-cloud/storage';
import { startGcsSim, type GcsSim } from '../src/index.js';
import { sdkClient } from './sdk-client.js';

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('base64');
}

function crc32c(data: Buffer): string {
  const c = new CRC32C();
  c.update(data);
  return c.toString();
}

/** The SDK's errors carry the HTTP status in `code` (JSON API) or `status`/`response.status` (gaxios). */
function statusOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; status?: unknown; response?: { status?: unknown } };
  for (const v of [e.code, e.status, e.response?.status]) if (typeof v === 'number') return v;
  return undefined;
}

async function rejectsWithStatus(promise: Promise<unknown>, status: number): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.equal(statusOf(err), status, `expected HTTP ${status}, got ${String(err)}`);
    return true;
  });
}

describe('gcs-sim driven by the real @google-cloud/storage client', () => {
  let sim: GcsSim;
  let storage: Storage;
  let bucket: Bucket;

  before(async () => {
    sim = await startGcsSim();
    storage = sdkClient(sim.url);
    [bucket] = await storage.createBucket('objects-test');
  });
  after(() => sim.close());

  test('buckets: create, exists, list, refuse a duplicate, refuse deleting a non-empty one, delete', async () => {
    const [b] = await storage.createBucket('tmp-bucket');
    assert.equal((await b.exists())[0], true);
    assert.equal((await storage.bucket('never-made').exists())[0], false);
    const [list] = await storage.getBuckets();
    assert.deepEqual(list.map((x) => x.name).sort(), ['objects-test', 'tmp-bucket']);
    await rejectsWithStatus(storage.createBucket('tmp-bucket'), 409);
    await b.file('x').save('x');
    await rejectsWithStatus(b.delete(), 409);
    await b.file('x').delete();
    await b.delete();
    assert.equal((await b.exists())[0], false);
    await rejectsWithStatus(storage.createBucket('Bad_Name'), 400);
  });

  test('multipart upload stores the bytes with the md5 and crc32c GCS would report', async () => {
    const data = Buffer.from('hello, bucket');
    const file = bucket.file('kinds/multipart.txt');
    await file.save(data, {
      resumable: false,
      contentType: 'text/plain',
      metadata: { metadata: { owner: 'test' } },
    });
    const [meta] = await file.getMetadata();
    assert.equal(meta.size, String(data.length));
    assert.equal(meta.md5Hash, md5(data));
    assert.equal(meta.crc32c, crc32c(data));
    assert.equal(meta.contentType, 'text/plain');
    assert.deepEqual(meta.metadata, { owner: 'test' });
    assert.deepEqual((await file.download())[0], data);
    assert.equal(sim.stats().uploads.multipart >= 1, true);
  });

  test('single-request resumable upload of 3 MiB round-trips', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 7);
    const file = bucket.file('kinds/resumable.bin');
    const before = sim.stats().uploads.resumable;
    await file.save(data, { resumable: true });
    assert.equal(sim.stats().uploads.resumable, before + 1);
    const [meta] = await file.getMetadata();
    assert.equal(meta.md5Hash, md5(data));
    assert.deepEqual((await file.download())[0], data);
  });

  test('chunked resumable upload (Content-Range chunks answered with 308) round-trips', async () => {
    const data = randomBytes(1024 * 1024 + 3);
    const file = bucket.file('kinds/chunked.bin');
    await file.save(data, { resumable: true, chunkSize: 256 * 1024 });
    assert.deepEqual((await file.download())[0], data);
  });

  test('resumable protocol on the wire: session Location, 308 with Range, status query, final 200', async () => {
    const start = await fetch(
      `${sim.url}/upload/storage/v1/b/objects-test/o?uploadType=resumable&name=wire%2Fobj`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Upload-Content-Type': 'application/x-test' },
        body: '{}',
      },
    );
    assert.equal(start.status, 200);
    const session = start.headers.get('location') ?? '';
    assert.ok(
      session.startsWith(`${sim.url}/upload/storage/v1/b/objects-test/o?`),
      `session URI: ${session}`,
    );
    const first = await fetch(session, {
      method: 'PUT',
      headers: { 'Content-Range': 'bytes 0-3/*' },
      body: 'abcd',
    });
    assert.equal(first.status, 308);
    assert.equal(first.headers.get('range'), 'bytes=0-3');
    const status = await fetch(session, { method: 'PUT', headers: { 'Content-Range': 'bytes */*' } });
    assert.equal(status.status, 308);
    assert.equal(status.headers.get('range'), 'bytes=0-3');
    const last = await fetch(session, {
      method: 'PUT',
      headers: { 'Content-Range': 'bytes 4-5/6' },
      body: 'ef',
    });
    assert.equal(last.status, 200);
    const resource = (await last.json()) as { name: string; size: string; contentType: string };
    assert.deepEqual(
      [resource.name, resource.size, resource.contentType],
      ['wire/obj', '6', 'application/x-test'],
    );
    assert.equal((await bucket.file('wire/obj').download())[0].toString(), 'abcdef');
  });

  test('resumable: a wrong X-Goog-Hash on the final chunk is refused (400) and ends the session; DELETE cancels with 499', async () => {
    const begin = async (name: string): Promise<string> => {
      const res = await fetch(
        `${sim.url}/upload/storage/v1/b/objects-test/o?uploadType=resumable&name=${name}`,
        { method: 'POST' },
      );
      return res.headers.get('location') ?? '';
    };
    const session = await begin('wire-bad-hash');
    const bad = await fetch(session, {
      method: 'PUT',
      headers: { 'Content-Range': 'bytes 0-2/3', 'X-Goog-Hash': `crc32c=${crc32c(Buffer.from('xyz'))}` },
      body: 'abc',
    });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /CRC32C/);
    assert.equal(
      (await fetch(session, { method: 'PUT', headers: { 'Content-Range': 'bytes */*' } })).status,
      404,
    );
    assert.equal((await bucket.file('wire-bad-hash').exists())[0], false);

    const cancelled = await begin('wire-cancelled');
    assert.equal((await fetch(cancelled, { method: 'DELETE' })).status, 499);
    assert.equal(
      (await fetch(cancelled, { method: 'PUT', headers: { 'Content-Range': 'bytes 0-0/1' }, body: 'a' }))
        .status,
      404,
    );
  });

  test('metadata patch removes keys set to null; ifMetagenerationNotMatch guards reads and writes', async () => {
    const file = bucket.file('patch/me.txt');
    await file.save('x', { resumable: false, metadata: { metadata: { keep: '1', drop: '2' } } });
    await file.setMetadata({ metadata: { drop: null, added: '3' } });
    const [meta] = await file.getMetadata();
    assert.deepEqual(meta.metadata, { keep: '1', added: '3' });
    assert.equal(meta.metageneration, '2');
    const notModified = await fetch(
      `${sim.url}/storage/v1/b/objects-test/o/patch%2Fme.txt?ifMetagenerationNotMatch=2`,
    );
    assert.equal(notModified.status, 304);
    await rejectsWithStatus(
      file.setMetadata({ metadata: { more: '4' } }, { ifMetagenerationNotMatch: 2 }),
      412,
    );
  });

  test('media upload (uploadType=media) and a wrong client X-Goog-Hash is rejected with 400', async () => {
    const ok = await fetch(`${sim.url}/upload/storage/v1/b/objects-test/o?uploadType=media&name=media.txt`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', 'X-Goog-Hash': `md5=${md5(Buffer.from('media!'))}` },
      body: 'media!',
    });
    assert.equal(ok.status, 200);
    const bad = await fetch(
      `${sim.url}/upload/storage/v1/b/objects-test/o?uploadType=media&name=media-bad.txt`,
      {
        method: 'POST',
        headers: { 'X-Goog-Hash': `md5=${md5(Buffer.from('something else'))}` },
        body: 'media!',
      },
    );
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { error: { code: number; message: string } };
    assert.equal(body.error.code, 400);
    assert.match(body.error.message, /MD5/);
    assert.equal((await bucket.file('media-bad.txt').exists())[0], false);
  });

  test('an md5Hash declared in upload metadata that does not match the bytes is rejected', async () => {
    const file = bucket.file('kinds/declared-md5.txt');
    await rejectsWithStatus(
      file.save('actual bytes', { resumable: false, metadata: { md5Hash: md5(Buffer.from('other bytes')) } }),
      400,
    );
    assert.equal((await file.exists())[0], false);
  });

  test('ifGenerationMatch: 0 creates once, then answers 412 with the JSON error body (multipart and resumable)', async () => {
    const file = bucket.file('pre/once.txt');
    await file.save('first', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    await rejectsWithStatus(
      file.save('second', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } }),
      412,
    );
    await rejectsWithStatus(
      file.save('second', { resumable: true, preconditionOpts: { ifGenerationMatch: 0 } }),
      412,
    );
    assert.equal((await file.download())[0].toString(), 'first');
    const raw = await fetch(
      `${sim.url}/upload/storage/v1/b/objects-test/o?uploadType=media&name=pre%2Fonce.txt&ifGenerationMatch=0`,
      {
        method: 'POST',
        body: 'third',
      },
    );
    assert.equal(raw.status, 412);
    const body = (await raw.json()) as { error: { code: number; errors: Array<{ reason: string }> } };
    assert.equal(body.error.code, 412);
    assert.equal(body.error.errors[0]?.reason, 'conditionNotMet');
  });

  test('generations change on every write; ifGenerationMatch/NotMatch and ifMetagenerationMatch are enforced', async () => {
    const file = bucket.file('pre/generations.txt');
    await file.save('v1', { resumable: false });
    const [m1] = await file.getMetadata();
    await file.save('v2', {
      resumable: false,
      preconditionOpts: { ifGenerationMatch: Number(m1.generation) },
    });
    const [m2] = await file.getMetadata();
    assert.ok(BigInt(String(m2.generation)) > BigInt(String(m1.generation)));
    await rejectsWithStatus(
      file.save('v3', { resumable: false, preconditionOpts: { ifGenerationMatch: Number(m1.generation) } }),
      412,
    );
    await rejectsWithStatus(
      file.save('v3', {
        resumable: false,
        preconditionOpts: { ifGenerationNotMatch: Number(m2.generation) },
      }),
      412,
    );

    assert.equal(m2.metageneration, '1');
    await file.setMetadata({ metadata: { color: 'blue' } }, { ifMetagenerationMatch: 1 });
    const [m3] = await file.getMetadata();
    assert.equal(m3.metageneration, '2');
    assert.equal(m3.generation, m2.generation);
    assert.deepEqual(m3.metadata, { color: 'blue' });
    await rejectsWithStatus(
      file.setMetadata({ metadata: { color: 'red' } }, { ifMetagenerationMatch: 1 }),
      412,
    );
    await rejectsWithStatus(file.delete({ ifGenerationMatch: Number(m1.generation) }), 412);
    await file.delete({ ifGenerationMatch: Number(m2.generation) });
    assert.equal((await file.exists())[0], false);
  });

  test('ranged reads answer 206 with exactly the bytes asked for; full reads carry x-goog-hash', async () => {
    const data = randomBytes(10_000);
    const file = bucket.file('range/data.bin');
    await file.save(data, { resumable: false });
    assert.deepEqual((await file.download({ start: 0, end: 0 }))[0], data.subarray(0, 1));
    assert.deepEqual((await file.download({ start: 9_999, end: 9_999 }))[0], data.subarray(9_999));
    assert.deepEqual((await file.download({ start: 1234, end: 5678 }))[0], data.subarray(1234, 5679));
    assert.deepEqual((await file.download({ end: -100 }))[0], data.subarray(9_900));

    const res = await fetch(`${sim.url}/storage/v1/b/objects-test/o/range%2Fdata.bin?alt=media`, {
      headers: { Range: 'bytes=10-19' },
    });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-range'), 'bytes 10-19/10000');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), data.subarray(10, 20));
    const whole = await fetch(`${sim.url}/storage/v1/b/objects-test/o/range%2Fdata.bin?alt=media`);
    assert.equal(whole.headers.get('x-goog-hash'), `crc32c=${crc32c(data)},md5=${md5(data)}`);
    const beyond = await fetch(`${sim.url}/storage/v1/b/objects-test/o/range%2Fdata.bin?alt=media`, {
      headers: { Range: 'bytes=10000-' },
    });
    assert.equal(beyond.status, 416);
  });

  test('the emulator-host path form (no /storage/v1) reaches the same objects', async () => {
    await bucket.file('alias.txt').save('alias');
    const res = await fetch(`${sim.url}/b/objects-test/o/alias.txt?alt=media`);
    assert.equal(await res.text(), 'alias');
  });

  test('listing: prefix, delimiter prefixes, maxResults pages that join up in name order', async () => {
    const b = (await storage.createBucket('list-test'))[0];
    const names = ['a/1', 'a/2', 'a/sub/3', 'b/1', 'b/2', 'c', 'd/x/y'];
    for (const n of [...names].reverse()) await b.file(n).save(n);

    const [all] = await b.getFiles();
    assert.deepEqual(
      all.map((f) => f.name),
      names,
    );
    const [underA] = await b.getFiles({ prefix: 'a/' });
    assert.deepEqual(
      underA.map((f) => f.name),
      ['a/1', 'a/2', 'a/sub/3'],
    );

    const [top, , topResp] = await b.getFiles({ delimiter: '/', autoPaginate: false });
    assert.deepEqual(
      top.map((f) => f.name),
      ['c'],
    );
    assert.deepEqual((topResp as { prefixes?: string[] }).prefixes, ['a/', 'b/', 'd/']);
    const [, , aResp] = await b.getFiles({ prefix: 'a/', delimiter: '/', autoPaginate: false });
    assert.deepEqual((aResp as { prefixes?: string[] }).prefixes, ['a/sub/']);

    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const [files, next] = await b.getFiles({
        maxResults: 2,
        autoPaginate: false,
        ...(pageToken && { pageToken }),
      });
      assert.ok(files.length <= 2);
      seen.push(...files.map((f) => f.name));
      pageToken = (next as { pageToken?: string } | null)?.pageToken;
      pages++;
    } while (pageToken);
    assert.deepEqual(seen, names);
    assert.equal(pages, 4);

    const [window] = await b.getFiles({ startOffset: 'a/2', endOffset: 'c' });
    assert.deepEqual(
      window.map((f) => f.name),
      ['a/2', 'a/sub/3', 'b/1', 'b/2'],
    );

    const delimited: string[] = [];
    pageToken = undefined;
    do {
      const [files, next, resp]: [Array<{ name: string }>, unknown, unknown] = await b.getFiles({
        delimiter: '/',
        maxResults: 1,
        autoPaginate: false,
        ...(pageToken !== undefined ? { pageToken } : {}),
      });
      delimited.push(...files.map((f) => f.name), ...((resp as { prefixes?: string[] }).prefixes ?? []));
      pageToken = (next as { pageToken?: string } | null)?.pageToken;
    } while (pageToken);
    assert.deepEqual(delimited, ['a/', 'b/', 'c', 'd/']);
  });

  test('copy and rewrite keep bytes and metadata, honour destination preconditions', async () => {
    const src = bucket.file('copy/src.txt');
    await src.save('copy me', {
      resumable: false,
      contentType: 'text/plain',
      metadata: { metadata: { k: 'v' } },
    });
    const dest = bucket.file('copy/dest.txt');
    await src.copy(dest, { preconditionOpts: { ifGenerationMatch: 0 } });
    const [meta] = await dest.getMetadata();
    assert.equal(meta.contentType, 'text/plain');
    assert.deepEqual(meta.metadata, { k: 'v' });
    assert.equal(meta.md5Hash, md5(Buffer.from('copy me')));
    await rejectsWithStatus(src.copy(dest, { preconditionOpts: { ifGenerationMatch: 0 } }), 412);

    const rewrite = await fetch(
      `${sim.url}/storage/v1/b/objects-test/o/copy%2Fsrc.txt/rewriteTo/b/objects-test/o/copy%2Frewritten.txt`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      },
    );
    const body = (await rewrite.json()) as { kind: string; done: boolean; resource: { name: string } };
    assert.deepEqual(
      [body.kind, body.done, body.resource.name],
      ['storage#rewriteResponse', true, 'copy/rewritten.txt'],
    );
    const copyTo = await fetch(
      `${sim.url}/storage/v1/b/objects-test/o/copy%2Fsrc.txt/copyTo/b/objects-test/o/copy%2Fcopied.txt`,
      {
        method: 'POST',
      },
    );
    assert.equal(((await copyTo.json()) as { name: string }).name, 'copy/copied.txt');
    const missing = bucket.file('copy/none.txt');
    await rejectsWithStatus(missing.copy(bucket.file('copy/x.txt')), 404);
  });

  test('missing objects and buckets answer 404 with the JSON error body', async () => {
    await rejectsWithStatus(bucket.file('nope').download(), 404);
    await rejectsWithStatus(bucket.file('nope').getMetadata(), 404);
    await rejectsWithStatus(storage.bucket('no-such-bucket').file('x').save('x', { resumable: false }), 404);
    const res = await fetch(`${sim.url}/storage/v1/b/objects-test/o/nope`);
    assert.equal(res.status, 404);
    const body = (await res.json()) as {
      error: { code: number; message: string; errors: Array<{ reason: string }> };
    };
    assert.equal(body.error.errors[0]?.reason, 'notFound');
    assert.match(body.error.message, /objects-test\/nope/);
  });
});
