/**
 * The dashboard preview's sign-in (`npm start`): nothing of it exists on a plain service; with it, the page and
 * the API answer a browser only after the one-time link set the session cookie (HttpOnly, SameSite=Strict,
 * Path=/), the cookie reaches its own org only, and a change made with the cookie must come from the
 * service's own origin.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createHttpApp } from '../../src/http/app.js';
import { PREVIEW_COOKIE, PreviewAccess } from '../../src/http/preview-access.js';
import { listen, type RunningServer } from '../../src/http/server.js';
import { startApiFixture, type ApiFixture } from './support/api-fixture.js';

let f: ApiFixture;
let access: PreviewAccess;
let preview: RunningServer;
let pageDir: string;

before(async () => {
  f = await startApiFixture();
  pageDir = mkdtempSync(path.join(tmpdir(), 'preview-page-'));
  writeFileSync(path.join(pageDir, 'index.html'), '<!doctype html><title>the preview page</title>');
  access = new PreviewAccess(f.orgId);
  preview = await listen(createHttpApp({ ...f.deps, preview: { access, dir: pageDir } }), 0, '127.0.0.1');
});

after(async () => {
  await preview?.close(1000);
  await f?.close();
  if (pageDir) rmSync(pageDir, { recursive: true, force: true });
});

/** Signs in with a new one-time link; the cookie header a browser would then send. */
async function signIn(): Promise<string> {
  const answer = await fetch(`${preview.url}${access.newLoginPath()}`);
  assert.equal(answer.status, 200);
  const cookie = answer.headers.get('set-cookie') ?? '';
  return cookie.split(';')[0]!;
}

const settingsPut = (headers: Record<string, string>) =>
  fetch(`${preview.url}/api/v1/orgs/${f.orgId}/settings`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'if-match': '"1"', ...headers },
    body: JSON.stringify({ mode: 'paused', schedule: 'continuous', exclusions: [] }),
  });

describe('without the preview (plain autobackup serve)', () => {
  test('there is no page, no login and no cookie sign-in', async () => {
    assert.equal((await fetch(`${f.server.url}/`)).status, 404);
    assert.equal((await fetch(`${f.server.url}${access.newLoginPath()}`)).status, 404);
    const withCookie = await fetch(`${f.server.url}/api/v1/orgs/${f.orgId}/dashboard`, {
      headers: { cookie: `${PREVIEW_COOKIE}=anything` },
    });
    assert.equal(withCookie.status, 401);
  });
});

describe('the preview sign-in', () => {
  test('without the cookie the page, the session and the API answer 401', async () => {
    assert.equal((await fetch(`${preview.url}/`)).status, 401);
    assert.equal((await fetch(`${preview.url}/preview/session`)).status, 401);
    assert.equal((await fetch(`${preview.url}/api/v1/orgs/${f.orgId}/dashboard`)).status, 401);
    const forged = await fetch(`${preview.url}/api/v1/orgs/${f.orgId}/dashboard`, {
      headers: { cookie: `${PREVIEW_COOKIE}=forged-session` },
    });
    assert.equal(forged.status, 401);
  });

  test('the login link sets an HttpOnly, SameSite=Strict cookie for the whole site, and works once', async () => {
    const link = access.newLoginPath();
    const first = await fetch(`${preview.url}${link}`);
    assert.equal(first.status, 200);
    const cookie = first.headers.get('set-cookie') ?? '';
    assert.match(cookie, new RegExp(`^${PREVIEW_COOKIE}=[A-Za-z0-9_-]{40,};`));
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Strict/);
    assert.match(cookie, /; Path=\//);
    const again = await fetch(`${preview.url}${link}`);
    assert.equal(again.status, 401);
    assert.equal(again.headers.get('set-cookie'), null);
    assert.match(((await again.json()) as { error: { message: string } }).error.message, /used already/);
  });

  test('with the cookie: the page, its org, and that org’s API only', async () => {
    const cookie = await signIn();
    const page = await fetch(`${preview.url}/`, { headers: { cookie } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /the preview page/);
    const session = await fetch(`${preview.url}/preview/session`, { headers: { cookie } });
    assert.deepEqual(await session.json(), { orgId: f.orgId });
    const dashboard = await fetch(`${preview.url}/api/v1/orgs/${f.orgId}/dashboard`, { headers: { cookie } });
    assert.equal(dashboard.status, 200);
    const other = await fetch(`${preview.url}/api/v1/orgs/00D000000000001EAA/dashboard`, {
      headers: { cookie },
    });
    assert.equal(other.status, 404);
  });

  test('a change with the cookie needs the service’s own Origin (403 otherwise, nothing changed)', async () => {
    const cookie = await signIn();
    const modeNow = async () =>
      ((await (await f.call('GET', `/api/v1/orgs/${f.orgId}/settings`)).json()) as { mode: string }).mode;
    const before = await modeNow();
    assert.notEqual(before, 'paused');

    const noOrigin = await settingsPut({ cookie });
    assert.equal(noOrigin.status, 403);
    assert.equal(((await noOrigin.json()) as { error: { code: string } }).error.code, 'FORBIDDEN');
    const elsewhere = await settingsPut({ cookie, origin: 'http://evil.example' });
    assert.equal(elsewhere.status, 403);
    assert.equal(await modeNow(), before);

    const own = await settingsPut({ cookie, origin: preview.url });
    assert.equal(own.status, 200, await own.clone().text());
    assert.equal(await modeNow(), 'paused');
  });
});
