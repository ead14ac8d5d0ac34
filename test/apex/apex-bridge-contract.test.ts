/**
 * The preview's Apex bridge (preview/src/lightning-stand-ins/apexBridge.js) answers the components as the Apex
 * controllers do. Its real answers — from the service's API over HTTP, through the preview's cookie sign-in —
 * are checked as the components' jest fixtures are (api-contract.ts): each against the schema of the answer
 * its AutoBackupModels class is read from, restricted to what Apex keeps. And the bridge answers exactly the
 * controller methods the components import, each an @AuraEnabled method of that controller.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createHttpApp } from '../../service/src/http/app.js';
import { PreviewAccess } from '../../service/src/http/preview-access.js';
import { listen, type RunningServer } from '../../service/src/http/server.js';
import { recordError } from '../../service/src/store/registry/error-log.js';
import { startApiFixture, type ApiFixture } from '../../service/test/http/support/api-fixture.js';
import { checkApiContract, type Fixture, loadContractSources, LWC_DIR } from './support/api-contract.js';
import { auraEnabledMethods, CLASSES_DIR, REPO_ROOT } from './support/apex-source.js';

interface Bridge {
  callApex(method: string, params?: Record<string, unknown>): Promise<unknown>;
  BRIDGED_METHODS: string[];
}
const BRIDGE = path.join(REPO_ROOT, 'preview/src/lightning-stand-ins/apexBridge.js');

let f: ApiFixture;
let preview: RunningServer;
let pageDir: string;
let bridge: Bridge;
const realFetch = globalThis.fetch;

before(async () => {
  f = await startApiFixture();
  pageDir = mkdtempSync(path.join(tmpdir(), 'bridge-page-'));
  writeFileSync(path.join(pageDir, 'index.html'), '<!doctype html>');
  const access = new PreviewAccess(f.orgId);
  preview = await listen(createHttpApp({ ...f.deps, preview: { access, dir: pageDir } }), 0, '127.0.0.1');
  const login = await realFetch(`${preview.url}${access.newLoginPath()}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  // The bridge runs in the page: relative URLs, the cookie and the page's Origin sent by the browser.
  globalThis.fetch = (input, init = {}) =>
    realFetch(new URL(String(input), preview.url), {
      ...init,
      headers: { ...(init.headers as Record<string, string>), cookie, origin: preview.url },
    });
  bridge = (await import(BRIDGE)) as Bridge;
  await recordError(f.db.knex, {
    orgId: f.orgId,
    code: 'QUERY_TIMEOUT',
    message: 'Your query request was running for too long.',
    stack: 'Error: QUERY_TIMEOUT\n    at readPage (rest-reader.ts:42)',
    object: 'Account',
    at: new Date(),
  });
});

after(async () => {
  globalThis.fetch = realFetch;
  await preview?.close(1000);
  await f?.close();
  if (pageDir) rmSync(pageDir, { recursive: true, force: true });
});

/** `Class.method` of every `@salesforce/apex/…` import of the components (tests left out). */
function importedApexMethods(): string[] {
  const found = new Set<string>();
  for (const file of readdirSync(LWC_DIR, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.js') || file.includes('__tests__')) continue;
    const source = readFileSync(path.join(LWC_DIR, file), 'utf8');
    for (const match of source.matchAll(/from '@salesforce\/apex\/([\w.]+)'/g)) found.add(match[1]!);
  }
  return [...found].sort();
}

describe('the Apex bridge', () => {
  test('answers exactly the controller methods the components import, each @AuraEnabled', () => {
    assert.deepEqual([...bridge.BRIDGED_METHODS].sort(), importedApexMethods());
    for (const method of bridge.BRIDGED_METHODS) {
      const [className, name] = method.split('.');
      const source = readFileSync(path.join(CLASSES_DIR, `${className}.cls`), 'utf8');
      assert.ok(
        auraEnabledMethods(source).some((m) => m.name === name),
        `${method} is an @AuraEnabled method`,
      );
    }
  });

  test('its answers match the schemas the Apex models and the jest fixtures are checked against', async () => {
    const settings = (await bridge.callApex('AutoBackupSettingsController.getSettings')) as {
      version: number;
    };
    const account = String(f.sim.org.query('SELECT Id FROM Account LIMIT 1').records[0]!.Id);
    const answers: Record<string, unknown> = {
      getDashboard: await bridge.callApex('AutoBackupDashboardController.getDashboard'),
      getSettings: settings,
      getObjects: await bridge.callApex('AutoBackupObjectsController.getObjects', { pageSize: 5 }),
      getExcludedObjects: await bridge.callApex('AutoBackupObjectsController.getExcludedObjects'),
      getErrors: await bridge.callApex('AutoBackupErrorsController.getErrors', {}),
      getErrorsCsv: await bridge.callApex('AutoBackupErrorsController.getErrorsCsv'),
      getMissingFieldPermissions: await bridge.callApex(
        'AutoBackupErrorsController.getMissingFieldPermissions',
      ),
      getFieldDescriptions: await bridge.callApex('AutoBackupHistoryController.getFieldDescriptions', {
        objectApiName: 'Account',
      }),
      getRecordVersions: await bridge.callApex('AutoBackupHistoryController.getRecordVersions', {
        objectApiName: 'Account',
        recordId: account,
      }),
      saveSettings: await bridge.callApex('AutoBackupSettingsController.saveSettings', {
        exclusions: 'Task, Event',
        apiBudgetPercent: 40,
        version: settings.version,
        schedule: 'daily',
      }),
      updateMode: await bridge.callApex('AutoBackupDashboardController.updateMode', {
        mode: 'paused',
        version: settings.version + 1,
      }),
    };
    // Something to check in every list: the answers are not empty.
    const items = (name: string) => (answers[name] as { items: unknown[] }).items.length;
    for (const name of ['getObjects', 'getExcludedObjects', 'getErrors', 'getRecordVersions'])
      assert.ok(items(name) > 0, `${name} has items`);
    assert.match((answers.getErrorsCsv as { csv: string }).csv, /rest-reader\.ts:42/);
    const described = answers.getFieldDescriptions as { fields: Array<{ name: string; type: string }> };
    assert.equal(described.fields.find((field) => field.name === 'AnnualRevenue')?.type, 'currency');
    assert.deepEqual((answers.saveSettings as { exclusions: string[] }).exclusions, ['Task', 'Event']);
    assert.equal((answers.saveSettings as { apiBudgetShare: number }).apiBudgetShare, 0.4);
    assert.equal((answers.saveSettings as { schedule: string }).schedule, 'daily');
    assert.equal((answers.updateMode as { status: string }).status, 'Paused');

    const fixtures: Fixture[] = Object.entries(answers).map(([method, data]) => ({
      file: `apexBridge/${method}.json`,
      data,
    }));
    const real = loadContractSources();
    assert.deepEqual(checkApiContract({ ...real, fixtures }), []);

    // The check can fail: a key the Apex model does not have is refused.
    const renamed = structuredClone(fixtures);
    const dashboard = renamed[0]!.data as Record<string, unknown>;
    dashboard.lastScannedAt = dashboard.lastScanAt;
    delete dashboard.lastScanAt;
    assert.ok(
      checkApiContract({ ...real, fixtures: renamed }).some((p) =>
        p.includes('apexBridge/getDashboard.json'),
      ),
    );
  });

  test('saveSettings sends the schedule chosen in Settings, and keeps the stored one when none is given', async () => {
    type Shown = { schedule: string; exclusions: string[]; version: number };
    const shown = (await bridge.callApex('AutoBackupSettingsController.getSettings')) as Shown;
    const other = shown.schedule === 'daily' ? 'continuous' : 'daily';
    const saved = (await bridge.callApex('AutoBackupSettingsController.saveSettings', {
      exclusions: shown.exclusions.join(', '),
      apiBudgetPercent: null,
      version: shown.version,
      schedule: other,
    })) as Shown;
    assert.equal(saved.schedule, other);
    const kept = (await bridge.callApex('AutoBackupSettingsController.saveSettings', {
      exclusions: 'Task',
      apiBudgetPercent: null,
      version: saved.version,
    })) as Shown;
    assert.deepEqual([kept.schedule, kept.exclusions], [other, ['Task']]);
  });

  test('a stale settings version is refused with the conflict message the components recognise', async () => {
    await assert.rejects(
      bridge.callApex('AutoBackupDashboardController.updateMode', { mode: 'paused', version: 1 }),
      {
        status: 412,
        body: {
          message: 'The settings were changed by someone else; reload and try again.',
          code: 'SETTINGS_CHANGED',
        },
      },
    );
  });
});
