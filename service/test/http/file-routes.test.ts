/**
 * Downloading backed-up files over the API, as the package and a user's browser do: a signed link, the body
 * through it (whole, a byte range, a download resumed after a cut), refusals (416 outside the file, a wrong key,
 * another org, an expired or tampered link), and the file figures in the object list and the record history.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { canonicalId } from '../../src/salesforce/record-id.js';
import { insertOrg } from '../../src/store/orgs/org-repository.js';
import { issueServiceKey } from '../../src/store/orgs/service-key-repository.js';
import { startApiFixture, type ApiFixture } from './support/api-fixture.js';

let f: ApiFixture;
let otherKey: string;
let otherOrg: string;
/** The largest backed-up ContentVersion: its org bytes. */
let file: { id: string; stamp: string; bytes: Buffer; sha256: string; name: string };

interface LinkAnswer {
  url: string;
  expiresAt: string;
  bytes: number;
  fileName: string;
  contentType: string;
}

async function orgBytes(object: string, id: string, field: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of f.sim.org.blob(object, id, field).stream()) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The link's path and query, on the test server (PUBLIC_URL is a made-up public address). */
const local = (url: string) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};

async function link(id = file.id, query = ''): Promise<Response> {
  return f.call('POST', `/api/v1/orgs/${f.orgId}/files/ContentVersion/${id}/link${query}`);
}

before(async () => {
  f = await startApiFixture();
  const rows = await f.db
    .knex('files')
    .where({ org_id: f.orgId, object: 'ContentVersion', state: 'stored' })
    .orderBy('size', 'desc')
    .select<Array<{ record_id: string; system_modstamp: Date; sha256: string }>>(
      'record_id',
      'system_modstamp',
      'sha256',
    );
  assert.ok(rows.length > 0, 'the fixture backed ContentVersion bodies up');
  const id = rows[0]!.record_id;
  const bytes = await orgBytes('ContentVersion', id, 'VersionData');
  const truth = [...f.sim.org.truth('ContentVersion')].filter((v) => v.Id === id).at(-1)!;
  file = {
    id,
    stamp: rows[0]!.system_modstamp.toISOString(),
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    name: String(truth.fields.PathOnClient),
  };
  assert.equal(rows[0]!.sha256, file.sha256);
  otherOrg = canonicalId('00D00000000000B')!;
  await insertOrg(f.db.knex, {
    orgId: otherOrg,
    instanceUrl: 'https://other.example.com',
    loginUrl: 'https://login.salesforce.com',
    auth: { kind: 'client-credentials', clientId: 'x', clientSecret: { kind: 'env', name: 'NOT_USED' } },
    enabled: true,
  });
  otherKey = (await issueServiceKey(f.db.knex, otherOrg)).serviceKey;
});

after(async () => {
  await f?.close();
});

describe('file downloads', () => {
  test('a signed link names the file, its size and type, and serves the bytes without the key', async () => {
    const res = await link();
    assert.equal(res.status, 200);
    const answer = (await res.json()) as LinkAnswer;
    assert.equal(answer.bytes, file.bytes.length);
    assert.equal(answer.fileName, file.name);
    assert.match(answer.url, /^https:\/\/backup\.example\.com\/api\/v1\/orgs\/.+\/content\?/);
    assert.ok(Date.parse(answer.expiresAt) > Date.now());
    const body = await f.call('GET', local(answer.url), { key: null });
    assert.equal(body.status, 200);
    assert.equal(body.headers.get('content-length'), String(file.bytes.length));
    assert.equal(body.headers.get('accept-ranges'), 'bytes');
    assert.equal(body.headers.get('etag'), `"${file.sha256}"`);
    assert.equal(body.headers.get('content-type'), 'application/octet-stream');
    const types: Record<string, string> = {
      pdf: 'application/pdf',
      docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      png: 'image/png',
      txt: 'text/plain',
      csv: 'text/csv',
    };
    assert.equal(answer.contentType, types[file.name.split('.').pop()!], 'the type its extension names');
    assert.match(
      body.headers.get('content-disposition') ?? '',
      new RegExp(`^attachment; filename="?${file.name.replace('.', '\\.')}"?`),
    );
    const bytes = Buffer.from(await body.arrayBuffer());
    assert.equal(createHash('sha256').update(bytes).digest('hex'), file.sha256);
  });

  test('a Range gets 206 with exactly those bytes; a download cut short resumes where it stopped', async () => {
    const url = local(((await (await link()).json()) as LinkAnswer).url);
    const partial = await f.call('GET', url, { key: null, headers: { range: 'bytes=10-99' } });
    assert.equal(partial.status, 206);
    assert.equal(partial.headers.get('content-range'), `bytes 10-99/${file.bytes.length}`);
    assert.equal(partial.headers.get('content-length'), '90');
    assert.deepEqual(Buffer.from(await partial.arrayBuffer()), file.bytes.subarray(10, 100));

    // The first download stops after some bytes (a dropped connection); the retry asks for the rest.
    const first = await f.call('GET', url, { key: null });
    const reader = first.body!.getReader();
    const received: Buffer[] = [];
    let got = 0;
    while (got < 1000) {
      const { value, done } = await reader.read();
      if (done) break;
      received.push(Buffer.from(value));
      got += value.length;
    }
    await reader.cancel();
    // The connection dropped after the first 1000 bytes had arrived.
    const head = Buffer.concat(received).subarray(0, 1000);
    assert.ok(file.bytes.length > 1000);
    const rest = await f.call('GET', url, { key: null, headers: { range: `bytes=${head.length}-` } });
    assert.equal(rest.status, 206);
    assert.equal(
      rest.headers.get('content-range'),
      `bytes ${head.length}-${file.bytes.length - 1}/${file.bytes.length}`,
    );
    const whole = Buffer.concat([head, Buffer.from(await rest.arrayBuffer())]);
    assert.equal(createHash('sha256').update(whole).digest('hex'), file.sha256);
  });

  test('a range outside the file is 416 naming the size', async () => {
    const res = await f.call('GET', `/api/v1/orgs/${f.orgId}/files/ContentVersion/${file.id}/content`, {
      headers: { range: `bytes=${file.bytes.length}-` },
    });
    assert.equal(res.status, 416);
    assert.equal(res.headers.get('content-range'), `bytes */${file.bytes.length}`);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'RANGE_NOT_SATISFIABLE');
  });

  test('with the key, a named version; an unknown version, record or non-file object is refused', async () => {
    const res = await f.call(
      'GET',
      `/api/v1/orgs/${f.orgId}/files/ContentVersion/${file.id}/content?systemModstamp=${encodeURIComponent(file.stamp)}`,
    );
    assert.equal(res.status, 200);
    assert.equal(
      createHash('sha256')
        .update(Buffer.from(await res.arrayBuffer()))
        .digest('hex'),
      file.sha256,
    );
    const otherStamp = await link(file.id, '?systemModstamp=2001-01-01T00:00:00.000Z');
    assert.equal(otherStamp.status, 404);
    assert.equal((await link('068000000000zzzAAA')).status, 404);
    const account = await f.call('POST', `/api/v1/orgs/${f.orgId}/files/Account/001000000000001/link`);
    assert.equal(account.status, 400);
    assert.equal(((await account.json()) as { error: { code: string } }).error.code, 'UNKNOWN_OBJECT');
  });

  test('a wrong key is 401, another org’s key 404; an expired or tampered link is 401', async () => {
    const path = `/api/v1/orgs/${f.orgId}/files/ContentVersion/${file.id}/content`;
    assert.equal((await f.call('GET', path, { key: 'abk_000000000000_nothing' })).status, 401);
    assert.equal((await f.call('GET', path, { key: otherKey })).status, 404);
    assert.equal(
      (
        await f.call('POST', `/api/v1/orgs/${f.orgId}/files/ContentVersion/${file.id}/link`, {
          key: otherKey,
        })
      ).status,
      404,
    );
    const url = new URL(((await (await link()).json()) as LinkAnswer).url);
    const tampered = new URL(url);
    tampered.searchParams.set('systemModstamp', '2001-01-01T00:00:00.000Z');
    assert.equal((await f.call('GET', local(tampered.toString()), { key: null })).status, 401);
    const now = f.app.now;
    f.app.now = () => new Date(Date.now() + 6 * 60_000);
    try {
      const expired = await f.call('GET', local(url.toString()), { key: null });
      assert.equal(expired.status, 401);
      assert.equal(((await expired.json()) as { error: { code: string } }).error.code, 'UNAUTHORIZED');
    } finally {
      f.app.now = now;
    }
  });
});

describe('file figures', () => {
  test('the object list gives file objects their count and bytes of bodies', async () => {
    const res = await f.call('GET', `/api/v1/orgs/${f.orgId}/objects?limit=1000`);
    const items = (
      (await res.json()) as { items: Array<{ name: string; files?: number; fileBytes?: number }> }
    ).items;
    const cv = items.find((i) => i.name === 'ContentVersion')!;
    const counted = await f.db
      .knex('files')
      .where({ org_id: f.orgId, object: 'ContentVersion', state: 'stored' })
      .select<Array<{ size: string }>>('size');
    assert.equal(cv.files, counted.length);
    assert.equal(
      cv.fileBytes,
      counted.reduce((n, r) => n + Number(r.size), 0),
    );
    assert.equal(items.find((i) => i.name === 'Account')!.files, undefined, 'not a file object');
  });

  test("a file record's versions carry their body's state in the history", async () => {
    const res = await f.call('GET', `/api/v1/orgs/${f.orgId}/records/ContentVersion/${file.id}/versions`);
    const items = ((await res.json()) as { items: Array<{ systemModstamp: string; file?: unknown }> }).items;
    assert.deepEqual(items[0]!.file, { sha256: file.sha256, size: file.bytes.length, state: 'stored' });
  });
});
