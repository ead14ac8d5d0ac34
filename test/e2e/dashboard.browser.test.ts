/**
 * The dashboard preview in headless Chromium, driven as an admin would: the package's own Lightning Web
 * Components (built from force-app by preview/build.ts) on the service's HTTP server, signed in with the
 * one-time link, backing up the simulated org. Every screen also passes an axe-core scan (no serious or
 * critical violation), and the main controls work from the keyboard alone.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { assertAccessible } from './support/axe.js';
import { hasChromium, launchChromium, type Browser } from './support/browser.js';
import { startPreviewStack, type PreviewStack } from './support/preview-stack.js';

const FAULTY_OBJECT = 'Contact';

let stack: PreviewStack;
let browser: Browser;
let page: Page;

interface ObjectItem {
  name: string;
  status: string;
}

before(async () => {
  if (!hasChromium()) return;
  [stack, browser] = await Promise.all([startPreviewStack({ seed: 'small' }), launchChromium()]);
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(stack.loginUrl());
  await page.getByRole('heading', { name: 'Auto Backup', exact: true }).waitFor();
});

after(async () => {
  await browser?.close();
  await stack?.close();
});

const statusBadge = () => page.locator('.status-section .slds-badge').first();

async function waitForStatus(status: string, timeoutMs = 90_000): Promise<void> {
  await page
    .locator('.status-section .slds-badge', { hasText: status })
    .first()
    .waitFor({ timeout: timeoutMs });
}

async function openTab(name: string): Promise<void> {
  await page.getByRole('tab', { name, exact: true }).click();
}

/** Label or text of the element that has the keyboard focus ('' for none). */
function focusedName(): Promise<string> {
  return page.evaluate<string>(`(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    if (!el || el === document.body) return '';
    const labelled = el.id ? document.querySelector('label[for="' + el.id + '"]') : null;
    const text = [
      el.getAttribute('aria-label'),
      el.labels && el.labels[0] ? el.labels[0].textContent : null,
      labelled ? labelled.textContent : null,
      el.closest('label') ? el.closest('label').textContent : null,
      el.textContent,
    ].find((t) => typeof t === 'string' && t.trim() !== '');
    return (text || el.tagName).replace(/\\s+/g, ' ').trim().slice(0, 80);
  })()`);
}

/** Presses Tab until the focused element's name matches (at most `max` presses). */
async function tabTo(target: RegExp, max = 80): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const name = await focusedName();
    if (target.test(name)) return;
    seen.push(name);
  }
  assert.fail(`Tab never reached ${target}; focus went through: ${seen.join(' → ')}`);
}

describe('the dashboard preview in Chromium', { skip: !hasChromium() && 'no /usr/bin/chromium' }, () => {
  test('reaches Running Continuously once the backfill is done; the dashboard passes axe', async () => {
    await waitForStatus('Running Continuously');
    const versions = await page
      .locator('.totals, section')
      .filter({ hasText: 'Backed up so far' })
      .first()
      .innerText();
    assert.match(versions, /Versions\s+[1-9]/, 'the totals show the versions backed up');
    await assertAccessible(page, 'the dashboard');
  });

  test('switching the mode to Paused and back changes the status', async () => {
    await page.getByText('Backups Paused', { exact: true }).click();
    await waitForStatus('Paused', 20_000);
    assert.equal((await stack.api<{ mode: string }>('/settings')).mode, 'paused');
    await page.getByText('Backup Objects and Files', { exact: true }).click();
    await waitForStatus('Running Continuously', 30_000);
    assert.equal((await stack.api<{ mode: string }>('/settings')).mode, 'objects_and_files');
  });

  test('an exclusion typed in Settings shows that object Excluded in the dashboard’s objects list', async () => {
    const objects = await stack.api<{ items: ObjectItem[] }>('/objects?limit=200');
    const [target, second] = objects.items
      .map((o) => o.name)
      .filter((name) => !['Account', FAULTY_OBJECT].includes(name));
    await openTab('Settings');
    const field = page.getByLabel('Auto Backup Exclusions');
    await field.fill(`${target},  ${second}`);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('.saved-message').waitFor();
    await assertAccessible(page, 'Settings');
    assert.deepEqual((await stack.api<{ exclusions: string[] }>('/settings')).exclusions, [target, second]);

    await openTab('Dashboard');
    const row = page.locator(`tr[data-name="${target}"]`);
    await row.locator('[data-id="status-badge"]', { hasText: 'Excluded' }).waitFor();
    await assertAccessible(page, 'the dashboard with its objects list');
  });

  test('the excluded-objects tab lists unsupported objects with their reasons', async () => {
    const excluded = await stack.api<{ items: Array<{ name: string; reason: string }> }>('/excluded');
    assert.ok(excluded.items.length > 0, 'the simulated org has objects that cannot be backed up');
    await openTab('Excluded objects');
    const table = page.getByRole('table', { name: 'Objects that are not backed up' });
    await table.waitFor();
    for (const item of excluded.items.slice(0, 5)) {
      const row = table.locator(`tr[data-name="${item.name}"]`);
      assert.equal((await row.locator('.reason').innerText()).trim(), item.reason);
      assert.ok(item.reason.length > 0, `${item.name} has a reason`);
    }
    await assertAccessible(page, 'Excluded objects');
  });

  test('a record’s version history shows its changes', async () => {
    const account = String(stack.sim.org.query('SELECT Id, Name FROM Account LIMIT 1').records[0]!.Id);
    const versionsOf = () =>
      stack.api<{ items: unknown[] }>(`/records/Account/${account}/versions`).then((v) => v.items.length);
    const before = await versionsOf();
    await stack.simAdmin('POST', 'mutate', {
      object: 'Account',
      ops: [{ op: 'update', ids: [account], set: { Name: 'Renamed in the browser test' } }],
    });
    await stack.waitFor(
      'the change backed up',
      async () => ((await versionsOf()) > before ? true : undefined),
      120_000,
    );

    const main = page;
    const history = await browser.context.newPage();
    try {
      await history.goto(`${stack.url}/?record=Account/${account}`);
      const list = history.getByRole('list', { name: 'Backed-up versions, newest first' });
      await list.waitFor();
      const newest = list.locator('li.version').first();
      assert.match(await newest.innerText(), /Name[\s\S]*Renamed in the browser test/);
      page = history;
      await assertAccessible(page, 'Backup History');
    } finally {
      page = main;
      await history.close();
    }
  });

  test('an org fault shows the error banner, the errors list and a CSV with the stack trace', async () => {
    await stack.simAdmin('POST', 'faults', {
      rules: [
        {
          path: `FROM%20${FAULTY_OBJECT}%20`,
          status: 400,
          errorCode: 'INVALID_FIELD',
          message: `No such column 'Secret__c' on entity '${FAULTY_OBJECT}'.`,
        },
      ],
    });
    await stack.simAdmin('POST', 'mutate', {
      object: FAULTY_OBJECT,
      ops: [{ op: 'create', records: [{ LastName: 'Fault trigger' }] }],
    });
    // The change makes the next check give Contact a slice, whose query the org refuses.
    await stack.waitFor(
      'the failure recorded',
      async () => ((await stack.api<{ items: unknown[] }>('/errors')).items.length > 0 ? true : undefined),
      120_000,
    );
    await page.reload(); // the dashboard refreshes itself every 30 s; an admin reloads
    const banner = page.locator('.error-banner');
    await banner.waitFor();
    assert.match(await banner.innerText(), /error/i);
    await waitForStatus('Error', 20_000);
    await assertAccessible(page, 'the dashboard with an error');

    await banner.getByRole('link', { name: 'View errors' }).click();
    const errors = page.getByRole('table', { name: 'Backup errors' });
    await errors.waitFor();
    assert.match(await errors.innerText(), new RegExp(`${FAULTY_OBJECT}[\\s\\S]*Secret__c`));
    await assertAccessible(page, 'Errors');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8');
    assert.match(download.suggestedFilename(), /^auto-backup-errors-\d{4}-\d{2}-\d{2}\.csv$/);
    assert.match(csv.split('\n')[0]!, /stack/);
    assert.match(csv, /Secret__c/);
    assert.match(csv, /\n\s+at /, 'the CSV holds the stack trace');
    await stack.simAdmin('DELETE', 'faults');
  });

  test('keyboard only: tabs, the mode and an exclusion are reached with Tab and worked with Enter, Space, arrows', async () => {
    const keyboardExclusion = (await stack.api<{ items: ObjectItem[] }>('/objects?q=Task')).items[0]!.name;
    await page.goto(`${stack.url}/`);
    await page.getByRole('tab', { name: 'Dashboard', exact: true }).waitFor();
    // The tab bar: Tab reaches the selected tab; the arrow keys move between tabs, as in Lightning.
    await tabTo(/^Dashboard$/);
    for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowRight'); // Excluded objects, Settings
    await page.keyboard.press('Enter');
    await page.getByLabel('Auto Backup Exclusions').waitFor();
    await tabTo(/Auto Backup Exclusions/);
    await page.keyboard.press('Control+A');
    await page.keyboard.type(keyboardExclusion);
    await tabTo(/^Save$/);
    await page.keyboard.press('Enter');
    await page.locator('.saved-message').waitFor();
    assert.deepEqual((await stack.api<{ exclusions: string[] }>('/settings')).exclusions, [
      keyboardExclusion,
    ]);

    await page.goto(`${stack.url}/`);
    await page.getByRole('radio', { name: 'Backup Objects and Files' }).waitFor();
    await tabTo(/Backup Objects and Files/);
    await page.keyboard.press('ArrowDown'); // → Backup Objects, Pause Files
    await stack.waitFor('the mode saved', async () =>
      (await stack.api<{ mode: string }>('/settings')).mode === 'objects_only' ? true : undefined,
    );
    await tabTo(/^Show as table$/);
    await page.keyboard.press('Space');
    await page.getByRole('table').filter({ hasText: 'Day' }).first().waitFor();
    assert.ok(await statusBadge().isVisible());
  });
});
