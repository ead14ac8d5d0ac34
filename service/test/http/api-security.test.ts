/**
 * The API as an attacker would try it: no key, wrong, malformed, revoked and rotated keys, another org's key,
 * tampered paths, oversized and malformed bodies, SQL- and SOQL-looking names and ids, CSV injection through
 * error messages, and a flood from one key. Each attack must be refused clearly, leak no data and change nothing.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import { createHttpApp } from '../../src/http/app.js';
import { listen } from '../../src/http/server.js';
import { canonicalId } from '../../src/salesforce/record-id.js';
import { insertOrg } from '../../src/store/orgs/org-repository.js';
import {
  issueServiceKey,
  revokeServiceKey,
  rotateServiceKey,
  verifyServiceKey,
} from '../../src/store/orgs/service-key-repository.js';
import { postgresRateLimiter } from '../../src/store/rate-limits/key-rate-limiter.js';
import { recordError } from '../../src/store/registry/error-log.js';
import { startApiFixture, type ApiFixture } from './support/api-fixture.js';

let f: ApiFixture;
let otherOrg: string;
let otherKey: string;

/** A raw request, so paths reach the server exactly as written (fetch would normalise `..`). */
function rawGet(url: string, pathname: string, key: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { hostname, port, path: pathname, method: 'GET', headers: { authorization: `Bearer ${key}` } },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function settingsRow() {
  return f.db
    .knex('orgs')
    .where({ org_id: f.orgId })
    .first('mode', 'schedule', 'exclusions', 'settings_version');
}

async function errorCode(res: Response): Promise<string> {
  const body = (await res.json()) as { error?: { code?: string } };
  return body.error?.code ?? `(no error: ${JSON.stringify(body)})`;
}

before(async () => {
  f = await startApiFixture();
  otherOrg = canonicalId('00D00000000000B')!;
  await insertOrg(f.db.knex, {
    orgId: otherOrg,
    instanceUrl: 'https://other.example.com',
    loginUrl: 'https://login.salesforce.com',
    auth: {
      kind: 'client-credentials',
      clientId: 'x',
      clientSecret: { kind: 'env', name: 'NOT_USED_BY_THESE_TESTS' },
    },
    enabled: true,
  });
  otherKey = (await issueServiceKey(f.db.knex, otherOrg)).serviceKey;
});

after(async () => {
  await f?.close();
});

describe('service keys over HTTP', () => {
  test('no key, a malformed key and an unknown key are refused with 401 and a Bearer challenge', async () => {
    for (const key of [null, 'not-a-key', 'abk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      const res = await f.call('GET', `/api/v1/orgs/${f.orgId}/dashboard`, { key });
      assert.equal(res.status, 401, String(key));
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /);
      assert.equal(await errorCode(res), 'UNAUTHORIZED');
    }
    const basic = await f.call('GET', `/api/v1/orgs/${f.orgId}/dashboard`, {
      key: null,
      headers: { authorization: `Basic ${Buffer.from(`x:${f.serviceKey}`).toString('base64')}` },
    });
    assert.equal(basic.status, 401, 'the key only counts as a Bearer token');
  });

  test('a key with the right id but another secret is refused (the hash, not the id, proves it)', async () => {
    const forged = f.serviceKey.slice(0, -4) + (f.serviceKey.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    assert.equal((await f.call('GET', `/api/v1/orgs/${f.orgId}/dashboard`, { key: forged })).status, 401);
  });

  test('a revoked key stops working at once; the org keeps working with its other key', async () => {
    const extra = await issueServiceKey(f.db.knex, f.orgId);
    assert.equal(
      (await f.call('GET', `/api/v1/orgs/${f.orgId}/dashboard`, { key: extra.serviceKey })).status,
      200,
    );
    assert.ok(await revokeServiceKey(f.db.knex, f.orgId, extra.keyId));
    const res = await f.call('GET', `/api/v1/orgs/${f.orgId}/dashboard`, { key: extra.serviceKey });
    assert.equal(res.status, 401);
    assert.equal((await f.call('GET', `/api/v1/orgs/${f.orgId}/dashboard`)).status, 200);
  });

  test('after a rotation the old key works inside the overlap and is refused after it; the new key works', async () => {
    const old = await issueServiceKey(f.db.knex, f.orgId);
    // Rotated 25 hours ago: the 24-hour overlap of every older key is over.
    const lateRotation = await rotateServiceKey(f.db.knex, f.orgId, new Date(Date.now() - 25 * 3600_000));
    assert.equal(
      (await f.call('GET', `/api/v1/orgs/${f.orgId}/dashboard`, { key: old.serviceKey })).status,
      401,
    );
    assert.equal(
      (await f.call('GET', `/api/v1/orgs/${f.orgId}/dashboard`, { key: lateRotation.serviceKey })).status,
      200,
    );
    // A rotation now: the key rotated away still works for the overlap, and so does the new one.
    const fresh = await rotateServiceKey(f.db.knex, f.orgId);
    assert.equal(
      (await f.call('GET', `/api/v1/orgs/${f.orgId}/dashboard`, { key: lateRotation.serviceKey })).status,
      200,
    );
    assert.equal(
      (await f.call('GET', `/api/v1/orgs/${f.orgId}/dashboard`, { key: fresh.serviceKey })).status,
      200,
    );
    f.serviceKey = fresh.serviceKey; // the fixture's first key is past its overlap from the late rotation
    assert.equal(await verifyServiceKey(f.db.knex, old.serviceKey), null);
  });

  test("another org's key answers 404 exactly as an org that does not exist, on every route", async () => {
    const unknownOrg = canonicalId('00D00000000000Z')!;
    for (const suffix of [
      'dashboard',
      'objects',
      'excluded',
      'settings',
      'errors',
      'errors.csv',
      'records/Account/001000000000001/versions',
    ]) {
      const foreign = await f.call('GET', `/api/v1/orgs/${f.orgId}/${suffix}`, { key: otherKey });
      const unknown = await f.call('GET', `/api/v1/orgs/${unknownOrg}/${suffix}`, { key: otherKey });
      assert.equal(foreign.status, 404, suffix);
      assert.equal(unknown.status, 404, suffix);
      const foreignBody = (await foreign.text()).replaceAll(f.orgId, '<org>');
      const unknownBody = (await unknown.text()).replaceAll(unknownOrg, '<org>');
      assert.equal(foreignBody, unknownBody, `${suffix}: same answer`);
      assert.doesNotMatch(foreignBody, /Account|records|versions"/, 'no data of the other org');
    }
    const put = await f.call('PUT', `/api/v1/orgs/${f.orgId}/settings`, {
      key: otherKey,
      body: { mode: 'paused', schedule: 'daily', exclusions: [], version: 1 },
    });
    assert.equal(put.status, 404);
    assert.equal((await settingsRow())!.mode, 'objects_and_files', 'nothing changed');
  });

  test('the 15-character form of the own org id is accepted; a case-altered id is another org', async () => {
    assert.equal((await f.call('GET', `/api/v1/orgs/${f.orgId.slice(0, 15)}/dashboard`)).status, 200);
    const swapped = f.orgId.slice(0, 15).replace(/[a-z]/, (c) => c.toUpperCase());
    if (swapped !== f.orgId.slice(0, 15))
      assert.equal((await f.call('GET', `/api/v1/orgs/${swapped}/dashboard`)).status, 404);
  });
});

describe('tampered paths and hostile input', () => {
  test('dot segments, encoded slashes and odd ids never reach another resource', async () => {
    const cases = [
      `/api/v1/orgs/${f.orgId}/../${otherOrg}/dashboard`,
      `/api/v1/orgs/${f.orgId}/%2e%2e/${otherOrg}/dashboard`,
      `/api/v1/orgs/${f.orgId}%2F..%2F${otherOrg}/dashboard`,
      `/api/v1/orgs/${f.orgId}/records/Account%2F..%2FContact/001000000000001/versions`,
      `/api/v1/orgs/${f.orgId}/records/..%2F..%2Fsettings/001000000000001/versions`,
    ];
    for (const pathname of cases) {
      const res = await rawGet(f.server.url, pathname, f.serviceKey);
      assert.ok([400, 404].includes(res.status), `${pathname} → ${res.status} ${res.body}`);
      assert.match(res.body, /^\{"error":\{"code":"[A-Z_]+","message":/);
    }
  });

  test('SQL- and SOQL-looking object names, ids and filters are refused or treated as plain text', async () => {
    const before = await f.db.knex('versions').count<{ count: number }[]>('* as count');
    const refused = [
      `/api/v1/orgs/${f.orgId}/records/${encodeURIComponent("Account' OR '1'='1")}/001000000000001/versions`,
      `/api/v1/orgs/${f.orgId}/records/Account/${encodeURIComponent("001' OR Id != null --")}/versions`,
      `/api/v1/orgs/${f.orgId}/records/${encodeURIComponent('Account; DROP TABLE versions')}/001000000000001/versions`,
      `/api/v1/orgs/${f.orgId}/errors?object=${encodeURIComponent("Account' UNION SELECT stack FROM errors --")}`,
      `/api/v1/orgs/${f.orgId}/objects?status=${encodeURIComponent("Waiting' OR 1=1")}`,
      `/api/v1/orgs/${f.orgId}/records/Account/001000000000001/versions?before=${encodeURIComponent("2020-01-01' OR 1=1")}`,
    ];
    for (const pathname of refused) {
      const res = await f.call('GET', pathname);
      assert.equal(res.status, 400, pathname);
      assert.equal(await errorCode(res), 'INVALID_REQUEST');
    }
    const search = await f.call(
      'GET',
      `/api/v1/orgs/${f.orgId}/objects?q=${encodeURIComponent("x' OR name LIKE '%")}`,
    );
    assert.equal(search.status, 200);
    assert.deepEqual(
      ((await search.json()) as { items: unknown[] }).items,
      [],
      'the search text is only text',
    );
    const after = await f.db.knex('versions').count<{ count: number }[]>('* as count');
    assert.deepEqual(after, before, 'nothing was changed');
  });

  test('oversized and malformed bodies are refused and change nothing', async () => {
    const url = `/api/v1/orgs/${f.orgId}/settings`;
    const stored = await settingsRow();
    const huge = JSON.stringify({
      mode: 'paused',
      schedule: 'daily',
      exclusions: ['A'.repeat(1_100_000)],
      version: 1,
    });
    const tooLarge = await f.call('PUT', url, { body: huge });
    assert.equal(tooLarge.status, 413);
    assert.equal(await errorCode(tooLarge), 'PAYLOAD_TOO_LARGE');
    const malformed = await f.call('PUT', url, { body: '{"mode": "paused",' });
    assert.equal(malformed.status, 400);
    assert.equal(await errorCode(malformed), 'MALFORMED_JSON');
    const unknownField = await f.call('PUT', url, {
      body: {
        mode: 'paused',
        schedule: 'daily',
        exclusions: [],
        version: stored!.settings_version,
        admin: true,
      },
    });
    assert.equal(unknownField.status, 400);
    assert.match(((await unknownField.json()) as { error: { message: string } }).error.message, /admin/);
    const notJson = await f.call('PUT', url, {
      key: f.serviceKey,
      headers: { 'content-type': 'text/plain' },
      body: undefined,
    });
    assert.equal(notJson.status, 400, 'a PUT without a body is refused by the schema');
    const textBody = await fetch(`${f.server.url}${url}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${f.serviceKey}`, 'content-type': 'text/plain' },
      body: 'mode=paused',
    });
    assert.equal(textBody.status, 415);
    assert.deepEqual(await settingsRow(), stored, 'settings unchanged');
  });

  test('an unknown exclusion is refused naming it, and a stale version changes nothing', async () => {
    const url = `/api/v1/orgs/${f.orgId}/settings`;
    const current = (await (await f.call('GET', url)).json()) as { version: number };
    const unknown = await f.call('PUT', url, {
      body: {
        mode: 'objects_and_files',
        schedule: 'continuous',
        exclusions: ['Account', 'NoSuchThing__c'],
        version: current.version,
      },
    });
    assert.equal(unknown.status, 400);
    const body = (await unknown.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'UNKNOWN_OBJECT');
    assert.match(body.error.message, /NoSuchThing__c/);
    const stale = await f.call('PUT', url, {
      body: { mode: 'paused', schedule: 'daily', exclusions: [], version: current.version - 1 || 999 },
    });
    assert.equal(stale.status, 412);
    assert.equal((await settingsRow())!.mode, 'objects_and_files');
  });
});

describe('the errors CSV', () => {
  test('cells a spreadsheet would run are neutralised; the file is RFC 4180 UTF-8 with a BOM', async () => {
    const hostile = [
      '=HYPERLINK("http://evil.example","click")',
      '+cmd|" /C calc"!A0',
      '-2+3',
      '@SUM(A1:A2)',
      '\tindented',
      'plain, "quoted"',
    ];
    for (const [i, message] of hostile.entries())
      await recordError(f.db.knex, {
        orgId: f.orgId,
        code: `TEST_${i}`,
        message,
        object: 'Account',
        hint: i === 0 ? '=1+1' : null,
        at: new Date(Date.now() - i * 1000),
      });
    const res = await f.call('GET', `/api/v1/orgs/${f.orgId}/errors.csv`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.match(
      res.headers.get('content-disposition') ?? '',
      new RegExp(`attachment; filename="autobackup-errors-${f.orgId}-\\d{4}-\\d{2}-\\d{2}\\.csv"`),
    );
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
    const rows = parseCsv(bytes.subarray(3), { columns: true }) as Array<Record<string, string>>;
    const byCode = new Map(rows.map((r) => [r.code, r]));
    for (const [i, message] of hostile.entries()) {
      const cell = byCode.get(`TEST_${i}`)!.message;
      if (/^[=+\-@\t]/.test(message)) assert.equal(cell, `'${message}`, `message ${i} neutralised`);
      else assert.equal(cell, message, 'other text unchanged');
    }
    assert.equal(byCode.get('TEST_0')!.hint, "'=1+1");
  });
});

describe('rate limiting', () => {
  test('a flood from one key is limited with Retry-After, across replicas, while another key is served', async () => {
    const limiter = postgresRateLimiter(f.db.knex, 10);
    // A key of its own, so earlier tests' requests do not count against it.
    const flooder = (await issueServiceKey(f.db.knex, f.orgId)).serviceKey;
    // Two replicas of the service on one database: one allowance per key between them.
    const replicas = await Promise.all(
      [0, 1].map(() => listen(createHttpApp({ ...f.deps, limiter }), 0, '127.0.0.1')),
    );
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 16; i++) {
        const res = await fetch(`${replicas[i % 2]!.url}/api/v1/orgs/${f.orgId}/dashboard`, {
          headers: { authorization: `Bearer ${flooder}` },
        });
        statuses.push(res.status);
        if (res.status === 429) {
          retryAfter = res.headers.get('retry-after');
          assert.equal(await errorCode(res), 'RATE_LIMITED');
        } else await res.arrayBuffer();
      }
      assert.equal(
        statuses.filter((s) => s === 200).length,
        10,
        `10 answered across both replicas: ${statuses.join(',')}`,
      );
      assert.equal(statuses.filter((s) => s === 429).length, 6);
      assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60, `Retry-After ${retryAfter}`);
      const other = await fetch(`${replicas[1]!.url}/api/v1/orgs/${otherOrg}/settings`, {
        headers: { authorization: `Bearer ${otherKey}` },
      });
      assert.equal(other.status, 200, 'another key is still served');
    } finally {
      await Promise.all(replicas.map((r) => r.close(500)));
    }
  });
});
