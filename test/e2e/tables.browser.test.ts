/**
 * The package's tables in headless Chromium, as an admin uses them (issue #18): the dashboard's object list sorted by a
 * column header (the order on the page and aria-sort follow each click, by mouse and by keyboard), its header
 * counting objects, unsupported objects and files, the file objects alone; the excluded objects counted, sorted
 * and paged with "Load more" from the service; the Errors tab's SLDS illustration before any error. Every
 * screen passes axe-core (no serious or critical violation). The data is the simulator's small org, backed up
 * by the service behind the preview.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { assertAccessible } from './support/axe.js';
import { hasChromium, launchChromium, type Browser } from './support/browser.js';
import { startPreviewStack, type PreviewStack } from './support/preview-stack.js';

/** The excluded objects are asked for this many at a time here (the page asks for 50; the org has ~10). */
const EXCLUDED_PAGE = 4;

interface ObjectItem {
  name: string;
  label: string;
  records: number;
  files?: number;
}
interface ObjectPage {
  items: ObjectItem[];
  summary: { objects: number; fileObjects: number; files: number; unsupported: number };
}
interface ExcludedPage {
  items: Array<{ name: string; label: string }>;
  total: number;
}

let stack: PreviewStack;
let browser: Browser;
let page: Page;

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

async function openTab(name: string): Promise<Locator> {
  await page.getByRole('tab', { name, exact: true }).click();
  const panel = page.getByRole('tabpanel', { name, exact: true });
  await panel.waitFor();
  return panel;
}

/** The page's window as functions evaluated in the page see it (the project compiles without the DOM lib). */
interface PageWindow {
  getComputedStyle(element: unknown): { stroke: string };
  document: { scrollingElement: { scrollWidth: number; clientWidth: number } };
}

/** How wide the page is and how wide its window: a sideways scroll when the first is larger. */
function pageScroll(): Promise<{ scroll: number; client: number }> {
  return page.evaluate(() => {
    const { scrollingElement } = (globalThis as unknown as PageWindow).document;
    return { scroll: scrollingElement.scrollWidth, client: scrollingElement.clientWidth };
  });
}

/** The objects list, on the dashboard. */
const objectList = () => page.locator('c-backup-object-list');

/** The API names of the table's rows, top to bottom. */
function rowNames(table: Locator): Promise<string[]> {
  return table
    .locator('tbody tr')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-name') ?? ''));
}

/** The column header cell of the sort key `key`. */
const headerCell = (table: Locator, key: string) => table.locator(`th[data-key="${key}"]`);

async function waitForAriaSort(table: Locator, key: string, value: string): Promise<void> {
  await table.locator(`th[data-key="${key}"][aria-sort="${value}"]`).waitFor();
}

describe('the tables in Chromium', { skip: !hasChromium() && 'no /usr/bin/chromium' }, () => {
  test('before any error, the Errors tab shows the SLDS "no errors" illustration', async () => {
    const errors = await stack.api<{ items: unknown[] }>('/errors');
    assert.equal(errors.items.length, 0, 'no error yet');
    const panel = await openTab('Errors');
    const empty = panel.locator('c-backup-error-list .slds-illustration');
    await empty.waitFor();
    assert.equal((await empty.getByRole('heading').innerText()).trim(), 'No open errors');
    const drawing = await empty.locator('svg.slds-illustration__svg').boundingBox();
    assert.ok(
      drawing && drawing.width > 100 && drawing.height > 50,
      `the illustration is drawn: ${JSON.stringify(drawing)}`,
    );
    const stroke = await empty
      .locator('.slds-illustration__stroke-primary')
      .first()
      .evaluate((el) => (globalThis as unknown as PageWindow).getComputedStyle(el).stroke);
    assert.notEqual(stroke, 'none', 'the SLDS illustration colours apply');
    await assertAccessible(page, 'the Errors tab without errors');
  });

  test('the object list counts the whole list and sorts by the column header clicked, by mouse and keyboard', async () => {
    // Once every object is caught up, its records and files stay put and the page can be compared with the API.
    await stack.waitFor(
      'the backup to catch up',
      async () =>
        (await stack.api<{ status: string }>('/dashboard')).status === 'Running Continuously'
          ? true
          : undefined,
      120_000,
    );
    // The objects list is a section of the dashboard; a reload shows the caught-up figures.
    await page.reload();
    await openTab('Dashboard');
    const all = await stack.api<ObjectPage>('/objects?limit=1000');
    const panel = objectList();
    const table = panel.getByRole('table', { name: 'Objects backed up' });
    await table.waitFor();

    const summary = (await panel.locator('.list-summary').innerText()).trim();
    assert.match(
      summary,
      new RegExp(`^${all.summary.objects} objects · ${all.summary.unsupported} not supported · `),
    );
    assert.match(
      summary,
      new RegExp(`[\\d,]+ files?, [\\d.]+ (bytes|KB|MB|GB) in ${all.summary.fileObjects} file objects$`),
    );
    assert.ok(all.summary.files > 0, 'the small org has files');
    await waitForAriaSort(table, 'label', 'ascending');

    await headerCell(table, 'records').getByRole('button').click();
    await waitForAriaSort(table, 'records', 'descending');
    const byRecords = await stack.api<ObjectPage>('/objects?sort=records&order=desc&limit=1000');
    assert.deepEqual(
      await rowNames(table),
      byRecords.items.map((i) => i.name),
      'most records first',
    );
    const shown = await table
      .locator('tbody tr .records')
      .evaluateAll((cells) => cells.map((cell) => Number((cell.textContent ?? '').replace(/\D/g, ''))));
    assert.deepEqual(
      shown,
      [...shown].sort((a, b) => b - a),
      'the Records column reads largest first',
    );
    assert.equal(await table.locator('th[aria-sort]').count(), 1, 'aria-sort on the sorted column only');
    assert.equal(
      (await panel.locator('.sort-announcement').textContent())?.trim(),
      'Sorted by Records, descending',
    );
    const arrow = await headerCell(table, 'records').locator('lightning-icon').boundingBox();
    assert.ok(arrow && arrow.width > 0, 'the sorted column shows its arrow');

    // The header button keeps the focus: Enter sorts the other way round.
    await page.keyboard.press('Enter');
    await waitForAriaSort(table, 'records', 'ascending');
    const ascending = await stack.api<ObjectPage>('/objects?sort=records&order=asc&limit=1000');
    assert.deepEqual(
      await rowNames(table),
      ascending.items.map((i) => i.name),
      'fewest records first',
    );

    const scroll = await pageScroll();
    assert.ok(scroll.scroll <= scroll.client, `no sideways scroll: ${JSON.stringify(scroll)}`);
    await assertAccessible(page, 'the dashboard with its objects list sorted');
  });

  test('"File objects only" lists the file objects with their files and bytes', async () => {
    const panel = objectList();
    const table = panel.getByRole('table', { name: 'Objects backed up' });
    const files = await stack.api<ObjectPage>('/objects?files=true&sort=records&order=asc&limit=1000');
    await panel.getByLabel('Show').selectOption({ label: 'File objects only' });
    await panel.locator('.list-summary', { hasText: `${files.items.length} of ` }).waitFor();
    assert.deepEqual(
      await rowNames(table),
      files.items.map((i) => i.name),
      'the sort stays',
    );
    for (const item of files.items) {
      const cell = table.locator(`tr[data-name="${item.name}"] td`).nth(3);
      assert.match(
        await cell.innerText(),
        /^[\d,]+\s+[\d.]+ (bytes|KB|MB|GB)$/,
        `${item.name}: files and their size`,
      );
    }
    await assertAccessible(page, 'the objects list, file objects only');
  });

  test('at 800 px wide the objects table fits the dashboard, every column in view', async () => {
    const panel = objectList();
    await panel.getByLabel('Show').selectOption({ label: 'Objects and files' });
    const table = panel.getByRole('table', { name: 'Objects backed up' });
    await page.setViewportSize({ width: 800, height: 900 });
    try {
      await table.locator('tbody tr').nth(5).waitFor();
      const box = await table.locator('th[data-key="caughtUpTo"]').boundingBox();
      const room = await panel.locator('.table-scroll').boundingBox();
      assert.ok(
        box && room && box.x + box.width <= room.x + room.width + 1,
        `the last column is in view: ${JSON.stringify({ box, room })}`,
      );
      const scroll = await pageScroll();
      assert.ok(scroll.scroll <= scroll.client, `no sideways scroll: ${JSON.stringify(scroll)}`);
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  test('the excluded objects are counted, sorted by label and paged with "Load more"', async () => {
    const asked: string[] = [];
    // The list asks for 50 at a time; here for EXCLUDED_PAGE, so the small org's ~10 objects make pages.
    await page.route(/\/excluded\?/, async (route) => {
      const url = new URL(route.request().url());
      asked.push(url.searchParams.toString());
      url.searchParams.set('limit', String(EXCLUDED_PAGE));
      await route.continue({ url: url.toString() });
    });
    const whole = await stack.api<ExcludedPage>('/excluded?limit=1000');
    assert.ok(whole.total > 2 * EXCLUDED_PAGE, `enough objects for three pages (${whole.total})`);

    const panel = await openTab('Excluded objects');
    const table = panel.getByRole('table', { name: 'Objects that are not backed up' });
    await table.waitFor();
    assert.equal(asked[0], 'sort=name&order=asc&limit=50', 'the page asks for 50 by API name');
    assert.equal(
      (await panel.locator('.list-summary').innerText()).trim(),
      `${whole.total} objects are not backed up because they cannot be. Showing ${EXCLUDED_PAGE} of ${whole.total}.`,
    );
    assert.deepEqual(
      await rowNames(table),
      whole.items.slice(0, EXCLUDED_PAGE).map((i) => i.name),
    );
    await waitForAriaSort(table, 'name', 'ascending');

    await headerCell(table, 'label').getByRole('button').click();
    await waitForAriaSort(table, 'label', 'ascending');
    const byLabel = await stack.api<ExcludedPage>('/excluded?sort=label&limit=1000');
    const loadMore = panel.getByRole('button', { name: 'Load more' });
    for (let shown = EXCLUDED_PAGE; shown < whole.total; shown += EXCLUDED_PAGE) {
      await table
        .locator('tbody tr')
        .nth(shown - 1)
        .waitFor();
      await loadMore.click();
    }
    await table
      .locator('tbody tr')
      .nth(whole.total - 1)
      .waitFor();
    await loadMore.waitFor({ state: 'detached' });
    assert.deepEqual(
      await rowNames(table),
      byLabel.items.map((i) => i.name),
      'every page, in label order',
    );
    assert.ok(asked.slice(1).every((query) => query.startsWith('sort=label&order=asc&')));
    assert.ok(
      asked.some((query) => query.includes('cursor=')),
      'the next pages come from the service',
    );

    await panel.getByText('What "supported" means').click();
    assert.match(await panel.locator('.support-rules').innerText(), /SystemModstamp/);
    await assertAccessible(page, 'Excluded objects, paged');
    await page.unroute(/\/excluded\?/);
  });
});
