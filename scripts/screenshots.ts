/**
 * `npm run screenshots`: regenerates docs/screenshots/*.png from the real page — the dashboard preview (the
 * package's Lightning Web Components built from force-app) served by the service while it backs up the simulated
 * demo org, in headless Chromium. Takes about two minutes (the demo org's backfill comes first).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, openRuntime } from '../service/src/runtime.js';
import { launchChromium } from '../test/e2e/support/browser.js';
import { startPreviewStack } from '../test/e2e/support/preview-stack.js';

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'screenshots');

// A database of its own: an embedded PostgreSQL under a throw-away home, stopped at the end.
const home = mkdtempSync(path.join(tmpdir(), 'ab-screenshots-'));
const runtime = openRuntime({ AUTOBACKUP_HOME: home, LOG_LEVEL: 'warn' });
const stack = await startPreviewStack({
  seed: 'demo',
  database: async () => {
    const db = await openDatabase(runtime);
    return { url: db.databaseUrl, knex: db.knex, destroy: () => runtime.lifecycle.shutdown() };
  },
});
const browser = await launchChromium({ width: 1280, height: 860 });
try {
  mkdirSync(OUT, { recursive: true });
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  const shoot = async (name: string) => {
    await page.waitForTimeout(500); // let the chart and badges settle
    await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
    process.stderr.write(`docs/screenshots/${name}.png\n`);
  };
  const tab = (name: string) => page.getByRole('tab', { name, exact: true }).click();

  process.stderr.write('waiting for the demo org to be backed up…\n');
  await stack.waitFor(
    'Running Continuously',
    async () =>
      (await stack.api<{ status: string }>('/dashboard')).status === 'Running Continuously'
        ? true
        : undefined,
    300_000,
  );
  await page.goto(stack.loginUrl());
  await page.locator('.status-section .slds-badge', { hasText: 'Running Continuously' }).waitFor();
  await shoot('dashboard');
  // The objects list is a card of the dashboard: that card alone.
  const objects = page.locator('.objects-section');
  await objects.getByRole('table', { name: 'Objects backed up' }).waitFor();
  await objects.screenshot({ path: path.join(OUT, 'objects.png') });
  process.stderr.write('docs/screenshots/objects.png\n');
  await tab('Excluded objects');
  await page.getByRole('table', { name: 'Objects that are not backed up' }).waitFor();
  await shoot('excluded-objects');
  await tab('Settings');
  await page.getByLabel('Auto Backup Exclusions').fill('LoginHistory, Invoice__c');
  await shoot('settings');

  // A record with a change of its own, then its history as a record page shows it.
  const account = String(stack.sim.org.query('SELECT Id FROM Account LIMIT 1').records[0]!.Id);
  const versions = () =>
    stack.api<{ items: unknown[] }>(`/records/Account/${account}/versions`).then((v) => v.items.length);
  const before = await versions();
  await stack.simAdmin('POST', 'mutate', {
    object: 'Account',
    ops: [{ op: 'update', ids: [account], set: { Name: 'Acme (renamed)', Phone: '+1 415 555 0100' } }],
  });
  await stack.waitFor(
    'the change backed up',
    async () => ((await versions()) > before ? true : undefined),
    120_000,
  );
  await page.goto(`${stack.url}/?record=Account/${account}`);
  await page.getByRole('list', { name: 'Backed-up versions, newest first' }).waitFor();
  await shoot('record-history');

  // An org that refuses a query: the error banner and the errors list.
  await stack.simAdmin('POST', 'faults', {
    rules: [
      {
        path: 'FROM%20Contact%20',
        status: 400,
        errorCode: 'INVALID_FIELD',
        message: "No such column 'Region__c' on entity 'Contact'.",
      },
    ],
  });
  await stack.simAdmin('POST', 'mutate', {
    object: 'Contact',
    ops: [{ op: 'create', records: [{ LastName: 'Okafor' }] }],
  });
  await stack.waitFor(
    'the failure recorded',
    async () => ((await stack.api<{ items: unknown[] }>('/errors')).items.length > 0 ? true : undefined),
    120_000,
  );
  await page.goto(`${stack.url}/`);
  await page.locator('.error-banner').waitFor();
  await shoot('dashboard-error');
  await tab('Errors');
  await page.getByRole('table', { name: 'Backup errors' }).waitFor();
  await shoot('errors');
} finally {
  await browser.close();
  await stack.close();
  rmSync(home, { recursive: true, force: true });
}
process.exit(0);
