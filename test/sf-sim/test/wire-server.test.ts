import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type Simulator } from '../src/index.js';
import { jwtAssertion } from './support/jwt.js';
import { admin, api, clientCredentialsToken } from './support/sim-client.js';

const SESSION_INVALID = [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }];

async function tokenRequest(
  sim: Simulator,
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${sim.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('sf-sim wire: server, OAuth, sessions and API limits', () => {
  let sim: Simulator;
  let token: string;
  let tmp: string;

  before(async () => {
    sim = await startSimulator({ seed: 'small' });
    token = await clientCredentialsToken(sim);
    tmp = mkdtempSync(path.join(tmpdir(), 'sf-sim-wire-'));
  });
  after(async () => {
    await sim.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('the version list needs no token, is not counted and ends at the served version', async () => {
    const res = await fetch(`${sim.url}/services/data/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('sforce-limit-info'), null);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json;charset=UTF-8$/);
    const versions = (await res.json()) as Array<{ label: string; url: string; version: string }>;
    assert.deepEqual(versions.at(-1), { label: "Winter '25", url: '/services/data/v62.0', version: '62.0' });
    assert.deepEqual(
      versions.find((v) => v.version === '59.0'),
      { label: "Winter '24", url: '/services/data/v59.0', version: '59.0' },
    );
    const numbers = versions.map((v) => Number(v.version));
    assert.deepEqual(
      numbers,
      [...numbers].sort((a, b) => a - b),
    );
  });

  test('repeated slashes are collapsed, as the sf CLI sends //services/...', async () => {
    const res = await fetch(`${sim.url}//services/data/v62.0//sobjects`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { sobjects: unknown[] };
    assert.ok(body.sobjects.length > 0);
  });

  test('the resource list points identity at this simulator and accepts the OAuth header scheme', async () => {
    const res = await fetch(`${sim.url}/services/data/v62.0/`, {
      headers: { Authorization: `OAuth ${token}` },
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, string>;
    assert.equal(body.query, '/services/data/v62.0/query');
    assert.match(body.identity ?? '', new RegExp(`^${sim.url}/id/${sim.orgId}/005\\w{15}$`));
  });

  test('missing, unknown and revoked tokens get 401 INVALID_SESSION_ID', async () => {
    const none = await fetch(`${sim.url}/services/data/v62.0/sobjects`);
    assert.equal(none.status, 401);
    assert.deepEqual(await none.json(), SESSION_INVALID);
    const bad = await fetch(`${sim.url}/services/data/v62.0/sobjects`, {
      headers: { Authorization: `Bearer ${sim.orgId.slice(0, 15)}!nope` },
    });
    assert.equal(bad.status, 401);
    assert.deepEqual(await bad.json(), SESSION_INVALID);
  });

  test('client credentials: a 00D…! token, issued_at in epoch ms, instance and identity URLs', async () => {
    const before = Date.now();
    const { status, body } = await tokenRequest(sim, {
      grant_type: 'client_credentials',
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
    });
    assert.equal(status, 200);
    assert.match(String(body.access_token), new RegExp(`^${sim.orgId.slice(0, 15)}![.\\w]+$`));
    assert.equal(body.instance_url, sim.url);
    assert.equal(body.token_type, 'Bearer');
    assert.ok(Number(body.issued_at) >= before - 1000);
    assert.match(String(body.id), new RegExp(`^${sim.url}/id/${sim.orgId}/005`));
    assert.equal(body.refresh_token, undefined);

    const wrongSecret = await tokenRequest(sim, {
      grant_type: 'client_credentials',
      client_id: sim.clientId,
      client_secret: 'x',
    });
    assert.equal(wrongSecret.status, 400);
    assert.deepEqual(wrongSecret.body, {
      error: 'invalid_client',
      error_description: 'invalid client credentials',
    });
    const wrongId = await tokenRequest(sim, {
      grant_type: 'client_credentials',
      client_id: 'nope',
      client_secret: sim.clientSecret,
    });
    assert.deepEqual(wrongId.body, {
      error: 'invalid_client_id',
      error_description: 'client identifier invalid',
    });
    const grant = await tokenRequest(sim, { grant_type: 'authorization_magic' });
    assert.deepEqual(grant.body, {
      error: 'unsupported_grant_type',
      error_description: 'grant type not supported',
    });
  });

  test('JWT bearer: signature, audience, expiry, issuer and subject are all checked', async () => {
    const base = {
      clientId: sim.clientId,
      username: sim.username,
      audience: sim.url,
      privateKeyPath: sim.privateKeyPath,
    };
    const grant = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
    const ok = await tokenRequest(sim, { grant_type: grant, assertion: jwtAssertion(base) });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.match(String(ok.body.access_token), /^00D\w{12}!/);
    const realLogin = await tokenRequest(sim, {
      grant_type: grant,
      assertion: jwtAssertion({ ...base, audience: 'https://login.salesforce.com' }),
    });
    assert.equal(realLogin.status, 200);

    const cases: Array<[Parameters<typeof jwtAssertion>[0], string, string]> = [
      [{ ...base, audience: 'https://evil.example.com' }, 'invalid_grant', 'audience is invalid'],
      [{ ...base, expiresInSec: -60 }, 'invalid_grant', 'expired authorization code'],
      [{ ...base, clientId: '3MVG9unknown' }, 'invalid_client_id', 'client identifier invalid'],
      [{ ...base, username: 'someone@else.example' }, 'invalid_grant', "user hasn't approved this consumer"],
    ];
    const otherKey = path.join(tmp, 'other.key');
    writeFileSync(
      otherKey,
      generateKeyPairSync('rsa', {
        modulusLength: 2048,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      }).privateKey,
    );
    cases.push([{ ...base, privateKeyPath: otherKey }, 'invalid_grant', 'invalid assertion']);
    for (const [claims, error, description] of cases) {
      const res = await tokenRequest(sim, { grant_type: grant, assertion: jwtAssertion(claims) });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, { error, error_description: description });
    }
    const garbage = await tokenRequest(sim, { grant_type: grant, assertion: 'not.a.jwt' });
    assert.deepEqual(garbage.body, { error: 'invalid_grant', error_description: 'invalid assertion' });
  });

  test('password grant and refresh-token grant', async () => {
    const org = (await admin(sim, 'GET', 'org')) as { password: string };
    const pw = await tokenRequest(sim, {
      grant_type: 'password',
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
      username: sim.username,
      password: org.password,
    });
    assert.equal(pw.status, 200);
    const badPw = await tokenRequest(sim, {
      grant_type: 'password',
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
      username: sim.username,
      password: 'wrong',
    });
    assert.deepEqual(badPw.body, { error: 'invalid_grant', error_description: 'authentication failure' });

    const { refreshToken } = (await admin(sim, 'POST', 'refresh-tokens')) as { refreshToken: string };
    const refreshed = await tokenRequest(sim, {
      grant_type: 'refresh_token',
      client_id: sim.clientId,
      refresh_token: refreshToken,
    });
    assert.equal(refreshed.status, 200);
    const stale = await tokenRequest(sim, {
      grant_type: 'refresh_token',
      client_id: sim.clientId,
      refresh_token: 'nope',
    });
    assert.deepEqual(stale.body, {
      error: 'invalid_grant',
      error_description: 'expired access/refresh token',
    });
  });

  test('userinfo and the identity URL; a bad token gets 403 Bad_OAuth_Token in plain text', async () => {
    const info = await fetch(`${sim.url}/services/oauth2/userinfo`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(info.status, 200);
    const u = (await info.json()) as Record<string, unknown>;
    assert.equal(u.preferred_username, sim.username);
    assert.equal(u.organization_id, sim.orgId);
    const id = await fetch(
      `${sim.url}/id/${sim.orgId}/${String(u.user_id)}?format=json&oauth_token=${encodeURIComponent(token)}`,
    );
    assert.equal(id.status, 200);
    const identity = (await id.json()) as { username: string; urls: Record<string, string> };
    assert.equal(identity.username, sim.username);
    assert.equal(identity.urls.rest, `${sim.url}/services/data/v{version}/`);
    const bad = await fetch(`${sim.url}/services/oauth2/userinfo`, {
      headers: { Authorization: 'Bearer 00D000000000000!bad' },
    });
    assert.equal(bad.status, 403);
    assert.equal(await bad.text(), 'Bad_OAuth_Token');
  });

  test('the Date header carries the simulated clock', async () => {
    await admin(sim, 'POST', 'clock', { advanceMs: 3 * 86_400_000 });
    try {
      const res = await fetch(`${sim.url}/services/data/`);
      const date = Date.parse(res.headers.get('date') ?? '');
      assert.ok(
        Math.abs(date - (Date.now() + 3 * 86_400_000)) < 60_000,
        `Date header ${res.headers.get('date')}`,
      );
    } finally {
      await admin(sim, 'POST', 'clock', { advanceMs: -3 * 86_400_000 });
    }
  });

  test('sessions expire after the configured lifetime on the simulated clock, and can all be revoked', async () => {
    await admin(sim, 'POST', 'sessions', { ttlMs: 60_000 });
    try {
      const t = await clientCredentialsToken(sim);
      const call = api(sim, t);
      assert.equal((await call('limits')).status, 200);
      await admin(sim, 'POST', 'clock', { advanceMs: 61_000 });
      const expired = await call('limits');
      assert.equal(expired.status, 401);
      assert.deepEqual(await expired.json(), SESSION_INVALID);
    } finally {
      await admin(sim, 'POST', 'sessions', { ttlMs: null });
    }
    const t2 = await clientCredentialsToken(sim);
    assert.equal((await api(sim, t2)('limits')).status, 200);
    const { revoked } = (await admin(sim, 'DELETE', 'sessions')) as { revoked: number };
    assert.ok(revoked >= 1);
    assert.equal((await api(sim, t2)('limits')).status, 401);
    token = await clientCredentialsToken(sim);
  });

  test('API calls are counted in Sforce-Limit-Info and /limits, and the daily limit is enforced', async () => {
    const call = api(sim, token);
    const first = await call('sobjects');
    const m1 = /^api-usage=(\d+)\/(\d+)$/.exec(first.headers.get('sforce-limit-info') ?? '');
    assert.ok(m1, 'Sforce-Limit-Info present');
    const second = await call('limits');
    const m2 = /^api-usage=(\d+)\/(\d+)$/.exec(second.headers.get('sforce-limit-info') ?? '');
    assert.equal(Number(m2?.[1]), Number(m1[1]) + 1);
    const limits = (await second.json()) as { DailyApiRequests: { Max: number; Remaining: number } };
    assert.equal(limits.DailyApiRequests.Max, Number(m2?.[2]));
    assert.equal(limits.DailyApiRequests.Remaining, Number(m2?.[2]) - Number(m2?.[1]));
    // Token calls and the version list are free.
    await clientCredentialsToken(sim);
    await fetch(`${sim.url}/services/data/`);
    const third = await call('limits');
    assert.equal(third.headers.get('sforce-limit-info'), `api-usage=${Number(m2?.[1]) + 1}/${m2?.[2]}`);

    const used = Number(m2?.[1]) + 1;
    await admin(sim, 'POST', 'limits', { dailyApiRequests: used + 2 });
    try {
      assert.equal((await call('limits')).status, 200);
      assert.equal((await call('limits')).status, 200);
      const refused = await call('limits');
      assert.equal(refused.status, 403);
      assert.deepEqual(await refused.json(), [
        { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
      ]);
      assert.equal(refused.headers.get('sforce-limit-info'), `api-usage=${used + 3}/${used + 2}`);
      // A rolling 24-hour window: a day later the allocation is back.
      await admin(sim, 'POST', 'clock', { advanceMs: 86_400_000 + 60_000 });
      assert.equal((await call('limits')).status, 200);
    } finally {
      await admin(sim, 'POST', 'limits', { dailyApiRequests: 100_000 });
    }
    const stats = (await admin(sim, 'GET', 'stats')) as {
      byKind: Record<string, number>;
      uncounted: Record<string, number>;
    };
    assert.ok((stats.byKind.limits ?? 0) >= 5);
    assert.ok((stats.uncounted.versions ?? 0) >= 1);
    assert.ok((stats.uncounted.oauth ?? 0) >= 1);
  });

  test('unknown versions and resources are 404 NOT_FOUND; a wrong method is 405', async () => {
    const call = api(sim, token);
    for (const p of ['/services/data/v99.0/sobjects', '/services/data/v62.0/nothing/here']) {
      const res = await call(p);
      assert.equal(res.status, 404);
      assert.deepEqual(await res.json(), [
        { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
      ]);
    }
    const res = await call('limits', { method: 'DELETE' });
    assert.equal(res.status, 405);
    assert.equal(((await res.json()) as Array<{ errorCode: string }>)[0]?.errorCode, 'METHOD_NOT_ALLOWED');
  });

  test('an over-long URI gets 414, over-long URI plus headers 431', async () => {
    const long = await api(sim, token)(`query?q=${'x'.repeat(17_000)}`);
    assert.equal(long.status, 414);
    const headers = await fetch(`${sim.url}/services/data/v62.0/query?q=${'x'.repeat(9_000)}`, {
      headers: { Authorization: `Bearer ${token}`, 'X-Padding': 'y'.repeat(9_000) },
    });
    assert.equal(headers.status, 431);
  });

  test('a token revoked through /services/oauth2/revoke stops working; GET /__sim/org reports usage and clock', async () => {
    const t = await clientCredentialsToken(sim);
    const revoke = await fetch(`${sim.url}/services/oauth2/revoke`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: t }),
    });
    assert.equal(revoke.status, 200);
    assert.equal((await api(sim, t)('limits')).status, 401);
    const org = (await admin(sim, 'GET', 'org')) as {
      url: string;
      apiUsage: { used: number; max: number };
      now: string;
    };
    assert.equal(org.url, sim.url);
    assert.equal(org.apiUsage.max, 100_000);
    assert.ok(Math.abs(Date.parse(org.now) - sim.org.clock.nowMs()) < 5_000);
  });

  test('the admin API rejects bad input with a message naming the problem', async () => {
    const res = await fetch(`${sim.url}/__sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ rules: [{ path: '(' }] }),
    });
    assert.equal(res.status, 400);
    assert.match(
      ((await res.json()) as { error: string }).error,
      /fault rule 0: "path" is not a valid regex/,
    );
    const limits = await fetch(`${sim.url}/__sim/limits`, {
      method: 'POST',
      body: JSON.stringify({ dailyApiRequests: 'lots' }),
    });
    assert.equal(limits.status, 400);
    assert.match(((await limits.json()) as { error: string }).error, /dailyApiRequests/);
    const unknown = await fetch(`${sim.url}/__sim/nothing`);
    assert.equal(unknown.status, 404);
  });
});
