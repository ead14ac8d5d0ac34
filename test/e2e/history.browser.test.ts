/**
 * Backup History in headless Chromium, as a record page shows it: the package's c-backup-history (built from
 * force-app by preview/build.ts) at `?record=Account/<id>`, answered by the service backing up the simulated org.
 * In a record page's narrow sidebar (360 px) nothing scrolls sideways and each change stacks its label over
 * its values; full width, label and values sit side by side. Values read as a record page shows them: labels
 * instead of API names, amounts with grouping and the currency sign. The header icon is a drawn SLDS icon, and
 * the screen passes an axe-core scan (no serious or critical violation).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { assertAccessible } from './support/axe.js';
import { hasChromium, launchChromium, type Browser } from './support/browser.js';
import { startPreviewStack, type PreviewStack } from './support/preview-stack.js';

const require = createRequire(import.meta.url);
const SLDS_ICONS = path.join(
  path.dirname(require.resolve('@salesforce-ux/design-system/package.json')),
  'assets/icons',
);
const SIDEBAR = { width: 360, height: 800 };
const FULL_WIDTH = { width: 1280, height: 900 };
const NEW_REVENUE = 2_500_000;

let stack: PreviewStack;
let browser: Browser;
let page: Page;
let account: string;

before(async () => {
  if (!hasChromium()) return;
  [stack, browser] = await Promise.all([startPreviewStack({ seed: 'small' }), launchChromium(SIDEBAR)]);
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(stack.loginUrl());
  account = String(stack.sim.org.query('SELECT Id FROM Account LIMIT 1').records[0]!.Id);
  const versionsOf = async () =>
    (await stack.api<{ items: unknown[] }>(`/records/Account/${account}/versions`)).items.length;
  const backedUp = await stack.waitFor('the account backed up', async () => {
    const count = await versionsOf().catch(() => 0);
    return count > 0 ? count : undefined;
  });
  // A change an admin would look up: the revenue (a currency field) and the name.
  await stack.simAdmin('POST', 'mutate', {
    object: 'Account',
    ops: [
      {
        op: 'update',
        ids: [account],
        set: { AnnualRevenue: NEW_REVENUE, Name: 'Renamed for the history test' },
      },
    ],
  });
  await stack.waitFor('the change backed up', async () =>
    (await versionsOf()) > backedUp ? true : undefined,
  );
  await page.goto(`${stack.url}/?record=Account/${account}`);
  await newestChanges().first().waitFor();
});

after(async () => {
  await browser?.close();
  await stack?.close();
});

const newestChanges = () =>
  page
    .getByRole('list', { name: 'Backed-up versions, newest first' })
    .locator('li.version')
    .first()
    .locator('li.change');

const changeOf = (field: string) => newestChanges().filter({ has: page.locator(`[title="${field}"]`) });

/** An SVG path as the page's code reads it (the tests compile without the DOM library). */
interface Outline {
  getAttribute(name: string): string | null;
}

/** How far the page scrolls sideways: 0 when everything fits the viewport's width. */
function sidewaysScroll(): Promise<number> {
  return page.evaluate<number>(
    '(() => { const s = document.scrollingElement; return s.scrollWidth - s.clientWidth; })()',
  );
}

describe('Backup History in Chromium', { skip: !hasChromium() && 'no /usr/bin/chromium' }, () => {
  test('in a 360 px sidebar nothing scrolls sideways and each change stacks its label over its values', async () => {
    await page.setViewportSize(SIDEBAR);
    assert.equal(await sidewaysScroll(), 0, 'the page does not scroll sideways');
    const cardBox = (await page.locator('c-backup-history').boundingBox())!;
    assert.ok(cardBox.x + cardBox.width <= SIDEBAR.width, 'the history fits the viewport');
    for (const row of await newestChanges().all()) {
      const box = (await row.boundingBox())!;
      assert.ok(box.x + box.width <= cardBox.x + cardBox.width + 0.5, 'each change fits the card');
    }
    const revenue = changeOf('AnnualRevenue');
    const label = (await revenue.locator('.field-label').boundingBox())!;
    const after = (await revenue.locator('.after').boundingBox())!;
    assert.ok(after.y >= label.y + label.height - 1, 'the values sit under the label');
  });

  test('values read as a record page shows them: labels, amounts grouped with the currency sign', async () => {
    const revenue = changeOf('AnnualRevenue');
    assert.equal((await revenue.locator('.field-label').innerText()).trim(), 'Annual Revenue');
    assert.equal((await revenue.locator('.after').innerText()).trim(), '$2,500,000');
    const name = changeOf('Name');
    assert.equal((await name.locator('.field-label').innerText()).trim(), 'Account Name');
    assert.equal((await name.locator('.after').innerText()).trim(), 'Renamed for the history test');
    const text = await newestChanges().first().locator('..').innerText();
    assert.doesNotMatch(text, /\b2500000\b/, 'no ungrouped amount');
  });

  test('full width, label and values sit side by side, still without sideways scroll', async () => {
    await page.setViewportSize(FULL_WIDTH);
    try {
      assert.equal(await sidewaysScroll(), 0);
      const revenue = changeOf('AnnualRevenue');
      const label = (await revenue.locator('.field-label').boundingBox())!;
      const before = (await revenue.locator('.before').boundingBox())!;
      const after = (await revenue.locator('.after').boundingBox())!;
      assert.ok(before.x > label.x + label.width, 'before is right of the label');
      assert.ok(after.x > before.x + before.width, 'after is right of before');
      assert.ok(Math.abs(after.y - before.y) < 2, 'before and after on one line');
    } finally {
      await page.setViewportSize(SIDEBAR);
    }
  });

  test('the header icon is an SLDS icon that exists, drawn', async () => {
    const card = page.locator('c-backup-history lightning-card');
    // lightning-icon reflects the name it accepted as its icon-name attribute (and drops an invalid one).
    const iconName = (await card.locator('lightning-icon').first().getAttribute('icon-name')) ?? '';
    const [category, name] = iconName.split(':');
    assert.ok(existsSync(path.join(SLDS_ICONS, category!, `${name}.svg`)), `${iconName} is an SLDS icon`);
    const svg = card.locator('lightning-icon svg').first();
    const box = (await svg.boundingBox())!;
    assert.ok(box.width > 0 && box.height > 0, 'the icon takes room');
    // The longest outline the icon draws (lightning-icon inlines SLDS's SVG paths).
    const drawn = await svg.evaluate((icon: { querySelectorAll(selector: string): Iterable<Outline> }) =>
      Math.max(0, ...Array.from(icon.querySelectorAll('path'), (p) => (p.getAttribute('d') ?? '').length)),
    );
    assert.ok(drawn > 10, 'the icon has a drawing');
  });

  test('passes axe in the sidebar', async () => {
    await assertAccessible(page, 'Backup History');
  });
});
