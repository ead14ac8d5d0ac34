/**
 * How the dashboard looks and reads in headless Chromium, on the preview of the package's own components backing up
 * the simulated org: the API usage bar's colour, budget marker and spoken value under the budget, past it and close
 * to the org's limit (the org's other integrations' calls are counted in the simulator's allowance, as Salesforce
 * counts every client's calls); a colour and an icon of its own for each status; the key figures as tiles; the mode
 * selector beside the status; the objects list on the dashboard. Each state passes axe-core (no serious or critical
 * violation).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { assertAccessible } from './support/axe.js';
import { hasChromium, launchChromium, type Browser } from './support/browser.js';
import { startPreviewStack, type PreviewStack } from './support/preview-stack.js';

let stack: PreviewStack;
let browser: Browser;
let page: Page;

interface DashboardApi {
  used: number;
  max: number;
  budgetShare: number;
}

before(async () => {
  if (!hasChromium()) return;
  [stack, browser] = await Promise.all([
    startPreviewStack({ seed: 'small' }),
    launchChromium({ width: 1400, height: 1000 }),
  ]);
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
});

after(async () => {
  await browser?.close();
  await stack?.close();
});

type Rgb = [number, number, number];

// The page functions below run in the browser; this project compiles without the DOM library, so they reach
// getComputedStyle through the element's own window.

/** A computed CSS colour ('rgb(1, 2, 3)' or 'rgba(…)') as numbers. */
function rgb(css: string): Rgb {
  const parts = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(css);
  assert.ok(parts, `a colour, got ${css}`);
  return [Number(parts[1]), Number(parts[2]), Number(parts[3])];
}

const backgroundOf = async (locator: Locator): Promise<Rgb> =>
  rgb(await locator.evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).backgroundColor));

/** The hue family a user would name: the SLDS brand blue, warning orange, error red, success green. */
function hueOf([r, g, b]: Rgb): 'blue' | 'orange' | 'red' | 'green' | 'neutral' {
  if (b > r + 40 && b >= g) return 'blue';
  if (r > 200 && g >= 90 && g <= 200 && b < 120) return 'orange';
  if (r > 150 && g < 80 && b < 90) return 'red';
  if (g > r + 30 && g > b) return 'green';
  return 'neutral';
}

/** The org's figures on the dashboard as the service reports them. */
const dashboardApi = () => stack.api<{ api: DashboardApi }>('/dashboard').then((d) => d.api);

/** Counts calls the org's other integrations made, until `share` of the daily allowance is used. */
async function useOrgAllowanceUpTo(share: number): Promise<void> {
  const limits = stack.sim.context.limits;
  limits.consume(Math.ceil(share * limits.max) - limits.used());
  await stack.waitFor(`the dashboard reporting ${share * 100}% used`, async () => {
    const api = await dashboardApi();
    return api.max > 0 && api.used / api.max >= share ? true : undefined;
  });
}

async function openDashboard(): Promise<void> {
  await page.goto(stack.loginUrl());
  await page.locator('.status-section .slds-badge').first().waitFor();
}

const apiBar = () => page.getByRole('progressbar', { name: "The org's daily API allowance" });

/** Fill colour, fill width, marker position and bar geometry of the org's API bar. */
async function apiBarLook() {
  const bar = apiBar();
  const box = (await bar.boundingBox())!;
  const fill = (await bar.locator('.slds-progress-bar__value').boundingBox())!;
  const marker = (await bar.locator('[data-id="marker"]').boundingBox())!;
  return {
    hue: hueOf(await backgroundOf(bar.locator('.slds-progress-bar__value'))),
    fillShare: fill.width / box.width,
    markerShare: (marker.x + marker.width / 2 - box.x) / box.width,
    valueText: await bar.getAttribute('aria-valuetext'),
  };
}

/** The status badge's colour family and its icon's drawing (the SVG markup tells icons apart). */
async function badgeLook(badge: Locator) {
  const icon = badge.locator('svg').first();
  assert.ok(await icon.isVisible(), 'the badge shows an icon');
  return {
    label: (await badge.innerText()).trim(),
    hue: hueOf(await backgroundOf(badge)),
    icon: await icon.innerHTML(),
  };
}

const overallBadge = () => page.locator('.status-section .slds-badge').first();

// The API bar's states come first: while the backfill runs, its calls record the org's usage every second, so a
// change shows at once; the statuses wait for the backfill to end.
describe(
  'the dashboard as admins expect it to look',
  { skip: !hasChromium() && 'no /usr/bin/chromium' },
  () => {
    test('under the budget, the API bar is brand blue with the budget marker at 50%, named and valued for screen readers', async () => {
      await stack.waitFor('the API usage measured', async () =>
        (await dashboardApi()).max > 0 ? true : undefined,
      );
      await openDashboard();
      const look = await apiBarLook();
      assert.equal(look.hue, 'blue');
      assert.ok(Math.abs(look.markerShare - 0.5) < 0.02, `the marker at 50%, drawn at ${look.markerShare}`);
      assert.ok(look.fillShare < 0.5, 'the fill stays left of the marker');
      assert.match(
        look.valueText ?? '',
        /^[\d.]+% of the daily API allowance used; Auto Backup's budget is 50%\.$/,
      );
      assert.equal(await apiBar().getAttribute('aria-valuemin'), '0');
      assert.equal(await apiBar().getAttribute('aria-valuemax'), '100');
      assert.match(await page.locator('.api-section').innerText(), /Auto Backup's budget: 50%/);
      assert.equal(await page.getByText('Over budget', { exact: false }).count(), 0);
    });

    test('past the budget the API bar turns to the warning colour and says "Over budget" in words', async () => {
      await useOrgAllowanceUpTo(0.61);
      await openDashboard();
      const look = await apiBarLook();
      assert.equal(look.hue, 'orange');
      assert.ok(look.fillShare > look.markerShare, 'the fill passes the budget marker');
      assert.match(
        look.valueText ?? '',
        /^6[1-9](\.\d)?% of the daily API allowance used; Auto Backup's budget is 50%\. Over budget\.$/,
      );
      const alert = page.locator('.api-alert');
      assert.match(
        await alert.innerText(),
        /^Over budget: 6\d(\.\d)?% of the daily allowance is used, more than Auto Backup's budget of 50%\.$/,
      );
      assert.ok(await alert.locator('svg').isVisible(), 'a warning icon beside the words');
      await assertAccessible(page, 'the dashboard over budget');
    });

    test("close to the org's limit the API bar turns to the error colour", async () => {
      await useOrgAllowanceUpTo(0.92);
      await openDashboard();
      const look = await apiBarLook();
      assert.equal(look.hue, 'red');
      assert.match(look.valueText ?? '', /Over budget and close to the org's limit\.$/);
      assert.match(
        await page.locator('.api-alert').innerText(),
        /^Close to the org's limit: 9\d(\.\d)?% of the daily allowance is used/,
      );
    });

    test('sections are cards, the key figures tiles, the mode selector beside the status, the objects on the dashboard', async () => {
      const headings = await page.locator('section.slds-card h2').allInnerTexts();
      assert.deepEqual(headings, [
        'Status',
        'Salesforce API usage',
        'Backed up so far',
        'Backup progress per day',
        'Objects',
      ]);
      for (const card of await page.locator('section.slds-card').all()) {
        assert.notEqual(
          await card.evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).borderTopStyle),
          'none',
          'each card has a visible edge',
        );
      }

      const tiles = page.locator('.totals .tile');
      assert.deepEqual(await tiles.locator('dt').allInnerTexts(), ['Records', 'Versions', 'Files', 'Stored']);
      const boxes = await Promise.all((await tiles.all()).map((tile) => tile.boundingBox()));
      const firstTop = boxes[0]!.y;
      for (const box of boxes) {
        assert.equal(Math.round(box!.y), Math.round(firstTop), 'the tiles share one row at 1400 px');
        assert.ok(box!.width > 150, 'each tile is wide enough for its figure');
      }
      const valueSize = Number.parseFloat(
        await tiles
          .first()
          .locator('dd')
          .evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).fontSize),
      );
      assert.ok(valueSize >= 20, `the figures are large (${valueSize}px)`);

      const statusCard = (await page.locator('.status-section').boundingBox())!;
      const apiCard = (await page.locator('.api-section').boundingBox())!;
      assert.equal(Math.round(statusCard.y), Math.round(apiCard.y), 'status and API usage side by side');
      assert.equal(
        Math.round(statusCard.height),
        Math.round(apiCard.height),
        'cards of one row equally tall',
      );

      const badge = (await overallBadge().boundingBox())!;
      const mode = (await page.getByRole('radiogroup', { name: 'What is backed up' }).boundingBox())!;
      assert.ok(mode.x > badge.x + badge.width, 'the mode selector sits to the right of the status');
      assert.ok(mode.y < badge.y + 60, 'at the height of the status');
      assert.equal(
        await page.getByText('How often the org is scanned for new data').count(),
        0,
        'the schedule is in Settings',
      );

      const objects = page.locator('.objects-section').getByRole('table', { name: 'Objects backed up' });
      await objects.waitFor();
      assert.ok((await objects.locator('tbody tr').count()) > 5, 'the objects list is on the dashboard');
      // At 800 px the cards stack and nothing in them scrolls sideways.
      await page.setViewportSize({ width: 800, height: 1000 });
      try {
        for (const card of ['.status-section', '.api-section', '.totals-section']) {
          const [scroll, client] = await page
            .locator(card)
            .evaluate((el) => [el.scrollWidth, el.clientWidth]);
          assert.ok(scroll! <= client!, `${card} fits 800 px (${scroll} > ${client})`);
        }
      } finally {
        await page.setViewportSize({ width: 1400, height: 1000 });
      }
      assert.equal(
        await page.getByRole('tab', { name: 'Objects', exact: true }).count(),
        0,
        'no second copy in a tab',
      );
      await assertAccessible(page, 'the dashboard');
    });

    test('each status has a colour and an icon of its own, and the text says which', async () => {
      await page
        .locator('.status-section .slds-badge', { hasText: 'Running Continuously' })
        .waitFor({ timeout: 90_000 });
      const running = await badgeLook(overallBadge());
      assert.equal(running.hue, 'green');

      // The object statuses, as the list's legend shows them.
      await page.locator('.objects-section summary', { hasText: 'What the statuses mean' }).click();
      const legend = page.locator('.objects-section .legend .slds-badge');
      const looks = await Promise.all((await legend.all()).map(badgeLook));
      const byLabel = Object.fromEntries(looks.map((look) => [look.label, look]));
      assert.deepEqual(Object.keys(byLabel), [
        'Waiting',
        'Running',
        'Backfilling',
        'Paused',
        'Excluded',
        'Unavailable',
        'Error',
        'Waiting (API budget)',
      ]);
      const hues = Object.fromEntries(looks.map((look) => [look.label, look.hue]));
      assert.deepEqual(hues, {
        Waiting: 'green',
        Running: 'blue',
        Backfilling: 'blue',
        Paused: 'orange',
        Excluded: 'neutral',
        Unavailable: 'red',
        Error: 'red',
        'Waiting (API budget)': 'orange',
      });
      const treatments = new Set(looks.map((look) => `${look.hue}|${look.icon}`));
      assert.equal(treatments.size, looks.length, 'no two statuses share both colour and icon');
      assert.notEqual(
        byLabel.Paused!.hue,
        byLabel.Unavailable!.hue,
        'Paused and Unavailable differ in colour',
      );

      await page.getByText('Backups Paused', { exact: true }).click();
      await page.locator('.status-section .slds-badge', { hasText: 'Paused' }).waitFor({ timeout: 20_000 });
      const paused = await badgeLook(overallBadge());
      assert.equal(paused.hue, 'orange');
      assert.notEqual(paused.icon, running.icon);
      await assertAccessible(page, 'the dashboard while paused');
      await page.getByText('Backup Objects and Files', { exact: true }).click();
      await page
        .locator('.status-section .slds-badge', { hasText: /Running|Backfilling/ })
        .waitFor({ timeout: 30_000 });
    });
  },
);
