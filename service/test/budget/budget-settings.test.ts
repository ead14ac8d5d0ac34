/**
 * The budget share as a setting, through the HTTP API: GET returns it, a PUT without it (an older package) leaves
 * it unchanged, a PUT with it changes it and the history says so, a share out of range is refused naming it; the
 * dashboard shows the service's own use against its ceiling.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApiFixture, type ApiFixture } from '../http/support/api-fixture.js';

let f: ApiFixture;

before(async () => {
  f = await startApiFixture();
});

after(async () => {
  await f?.close();
});

interface Settings {
  mode: string;
  schedule: string;
  exclusions: string[];
  apiBudgetShare: number;
  version: number;
}

async function settings(): Promise<Settings> {
  const res = await f.call('GET', `/api/v1/orgs/${f.orgId}/settings`);
  assert.equal(res.status, 200);
  return (await res.json()) as Settings;
}

describe('the API budget share setting', () => {
  test('GET returns it; PUT without it leaves it; PUT with it changes it, logged in the history', async () => {
    const start = await settings();
    assert.equal(start.apiBudgetShare, 0.5);

    // An older client sends only mode, schedule and exclusions.
    const { apiBudgetShare: _omitted, ...older } = start;
    const kept = await f.call('PUT', `/api/v1/orgs/${f.orgId}/settings`, {
      body: { ...older, schedule: 'daily' },
    });
    assert.equal(kept.status, 200, await kept.clone().text());
    const afterOlder = (await kept.json()) as Settings;
    assert.equal(afterOlder.apiBudgetShare, 0.5);
    assert.equal(afterOlder.schedule, 'daily');

    const changed = await f.call('PUT', `/api/v1/orgs/${f.orgId}/settings`, {
      body: { ...afterOlder, apiBudgetShare: 0.3 },
      headers: { 'X-AutoBackup-User-Id': '005000000000001AAA' },
    });
    assert.equal(changed.status, 200);
    assert.equal(((await changed.json()) as Settings).apiBudgetShare, 0.3);
    assert.equal((await settings()).apiBudgetShare, 0.3);

    const history = (await (await f.call('GET', `/api/v1/orgs/${f.orgId}/settings/history`)).json()) as {
      items: Array<{ before: { apiBudgetShare?: number }; after: { apiBudgetShare?: number } }>;
    };
    assert.equal(history.items[0]!.before.apiBudgetShare, 0.5);
    assert.equal(history.items[0]!.after.apiBudgetShare, 0.3);

    const dashboard = (await (await f.call('GET', `/api/v1/orgs/${f.orgId}/dashboard`)).json()) as {
      api: {
        budgetShare: number;
        max: number;
        serviceUsed: number;
        serviceMax: number;
        waitingForBudgetUntil: null;
      };
    };
    assert.equal(dashboard.api.budgetShare, 0.3);
    assert.equal(dashboard.api.waitingForBudgetUntil, null);
    assert.equal(typeof dashboard.api.serviceUsed, 'number');
    assert.equal(typeof dashboard.api.serviceMax, 'number');
  });

  test('a share out of 0.05–1 is refused as INVALID_SETTINGS naming it, and nothing changes', async () => {
    const current = await settings();
    for (const bad of [0, 0.01, 1.5, -0.5]) {
      const res = await f.call('PUT', `/api/v1/orgs/${f.orgId}/settings`, {
        body: { ...current, apiBudgetShare: bad },
      });
      assert.equal(res.status, 400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'INVALID_SETTINGS');
      assert.match(body.error.message, /apiBudgetShare: expected a fraction from 0.05 to 1/);
    }
    assert.deepEqual(await settings(), current);
  });
});
