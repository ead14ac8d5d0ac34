/**
 * The dashboard's progress chart in headless Chromium, as an admin sees it at a wide (1400 px) and a narrow
 * (800 px) window: the package's own chart component (built from force-app by preview/build.ts) on the service,
 * backing up the simulated org. The chart fills its card, its text stays at the page's sizes, the value axis
 * steps by round numbers, and a day's figures show in a tooltip beside its bar, by mouse and by keyboard.
 *
 * Today's bar is the service's real backup of the org. The 29 days before it are the daily counters of a
 * service that has been running for a month (the table the version writer keeps, written here), so the chart
 * has a month to lay out and a 1.45M busiest day, the case the issue measured.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { assertAccessible } from './support/axe.js';
import { hasChromium, launchChromium, type Browser } from './support/browser.js';
import { startPreviewStack, type PreviewStack } from './support/preview-stack.js';

const DAYS = 30;
const BUSIEST_DAY = 1_450_000;
const WIDTHS = [1400, 800];

interface ProgressDay {
  day: string;
  versions: number;
  files: number;
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

let stack: PreviewStack;
let browser: Browser;
let page: Page;
let progress: ProgressDay[];

/** The `days` calendar days before `day` (YYYY-MM-DD), oldest first. */
function daysBefore(day: string, days: number): string[] {
  const start = Date.parse(`${day}T00:00:00Z`);
  return Array.from({ length: days }, (unused, index) =>
    new Date(start - (days - index) * 86_400_000).toISOString().slice(0, 10),
  );
}

before(async () => {
  if (!hasChromium()) return;
  [stack, browser] = await Promise.all([
    startPreviewStack({ seed: 'small' }),
    launchChromium({ width: WIDTHS[0]!, height: 1000 }),
  ]);
  const today = await stack.waitFor('the first day of progress', async () => {
    const days = (await stack.api<{ progress: ProgressDay[] }>('/dashboard')).progress;
    return days.length > 0 ? days[days.length - 1]!.day : undefined;
  });
  // A month of earlier days, the busiest (1.45M versions) in the middle.
  const earlier = daysBefore(today, DAYS - 1).map((day, index) => ({
    org_id: stack.orgId,
    day,
    versions: index === 14 ? BUSIEST_DAY : 200_000 + ((index * 379_111) % 1_100_000),
    files: 500 + ((index * 733) % 2_500),
    bytes: 0,
  }));
  await stack.db.knex('daily_stats').insert(earlier);
  progress = (await stack.api<{ progress: ProgressDay[] }>('/dashboard')).progress;
  assert.equal(progress.length, DAYS);

  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(stack.loginUrl());
  await page
    .locator('.chart-column')
    .nth(DAYS - 1)
    .waitFor();
});

after(async () => {
  await browser?.close();
  await stack?.close();
});

async function box(locator: Locator): Promise<Box> {
  const found = await locator.boundingBox();
  assert.ok(found, 'the element is laid out');
  return found;
}

/** The content box of the element holding the chart (its card's body): what the chart has to fill. */
function chartHolderContentBox(): Promise<Box> {
  return page.locator('c-backup-progress-chart').evaluate((host) => {
    const holder = host.parentElement!;
    const rect = holder.getBoundingClientRect();
    const style = holder.ownerDocument.defaultView!.getComputedStyle(holder);
    const left = parseFloat(style.paddingLeft) + parseFloat(style.borderLeftWidth);
    const right = parseFloat(style.paddingRight) + parseFloat(style.borderRightWidth);
    return { x: rect.x + left, y: rect.y, width: rect.width - left - right, height: rect.height };
  });
}

/** Font sizes (px) of the elements matching `selector`. */
function fontSizes(selector: string): Promise<number[]> {
  return page
    .locator(selector)
    .evaluateAll((nodes) =>
      nodes.map((node) => parseFloat(node.ownerDocument.defaultView!.getComputedStyle(node).fontSize)),
    );
}

const column = (index: number) => page.locator(`.chart-column[data-index="${index}"]`);
const tooltip = () => page.locator('.chart-tooltip');

/** The figures of a day as the tooltip and the day's accessible name write them (en-US, as the preview's user). */
function figuresOf(day: ProgressDay): { date: string; versions: string; files: string } {
  return {
    date: new Intl.DateTimeFormat('en-US', {
      month: 'short',
      day: 'numeric',
      year: 'numeric',
      timeZone: 'UTC',
    }).format(new Date(`${day.day}T00:00:00Z`)),
    versions: new Intl.NumberFormat('en-US').format(day.versions),
    files: new Intl.NumberFormat('en-US').format(day.files),
  };
}

/**
 * Asserts the tooltip shows day `index`'s figures, beside its bar (on `side`), level with the bar's top. Today's
 * figures grow while the service backs up (the page reads them every 30 s): for today only the day is compared.
 */
async function assertTooltipBeside(index: number, side: 'left' | 'right'): Promise<void> {
  await tooltip().waitFor();
  const figures = figuresOf(progress[index]!);
  const text = (await tooltip().innerText()).replace(/\s+/g, ' ');
  const expected =
    index === DAYS - 1
      ? new RegExp(`^${figures.date} Record versions [\\d,]+ Files [\\d,]+$`)
      : new RegExp(`^${figures.date} Record versions ${figures.versions} Files ${figures.files}$`);
  assert.match(text, expected);

  const [tip, bar, plot] = await Promise.all([
    box(tooltip()),
    box(column(index).locator('.chart-bar')),
    box(page.locator('.chart-plot')),
  ]);
  const gap = side === 'right' ? tip.x - (bar.x + bar.width) : bar.x - (tip.x + tip.width);
  assert.ok(
    gap >= 4 && gap <= 24,
    `the tooltip is ${side} of the bar, next to it (gap ${gap.toFixed(1)} px)`,
  );
  // Its middle is level with the bar's top, kept 20 % away from the plot's top and bottom edges.
  const level = Math.min(Math.max(bar.y, plot.y + plot.height * 0.2), plot.y + plot.height * 0.8);
  assert.ok(
    Math.abs(tip.y + tip.height / 2 - level) <= 2,
    `the tooltip's middle (${(tip.y + tip.height / 2).toFixed(1)}) is level with the bar (${level.toFixed(1)})`,
  );
  assert.ok(tip.x >= 0 && tip.x + tip.width <= (await pageWidth()), 'the tooltip is inside the window');
}

function pageWidth(): Promise<number> {
  return page.locator('html').evaluate((html) => html.clientWidth);
}

/** The element with the keyboard focus, through shadow roots. */
function focusedLabel(): Promise<string | null> {
  return page.locator('body').evaluate((body) => {
    let element = body.ownerDocument.activeElement;
    while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
    return element?.getAttribute('aria-label') ?? null;
  });
}

describe('the progress chart in Chromium', { skip: !hasChromium() && 'no /usr/bin/chromium' }, () => {
  for (const width of WIDTHS) {
    test(`at ${width} px it fills its card with a sensible height and no sideways scroll`, async () => {
      await page.setViewportSize({ width, height: 1000 });
      // Day labels follow the plot's width (a ResizeObserver): give the chart two frames to lay itself out again.
      await page.locator('.chart-plot').evaluate(
        (plot) =>
          new Promise((resolve) => {
            const view = plot.ownerDocument.defaultView!;
            view.requestAnimationFrame(() => view.requestAnimationFrame(resolve));
          }),
      );
      await page.locator('.chart-plot').scrollIntoViewIfNeeded();
      const [holder, chart, plot] = await Promise.all([
        chartHolderContentBox(),
        box(page.locator('.progress-chart')),
        box(page.locator('.chart-plot')),
      ]);
      assert.ok(
        chart.width >= holder.width - 2 && chart.width <= holder.width + 1,
        `the chart spans its card's content width (${chart.width} of ${holder.width} px)`,
      );
      assert.ok(
        plot.width >= holder.width * 0.82,
        `the bars' area takes most of it (${plot.width} of ${holder.width} px)`,
      );
      assert.ok(
        chart.height >= 220 && chart.height <= 400,
        `the chart is ${chart.height} px high (220–400 px)`,
      );
      assert.ok(plot.height <= plot.width / 2, 'wider than high');

      const labels = await page.locator('.x-tick-label').evaluateAll((nodes) =>
        nodes.map((node) => {
          const rect = node.getBoundingClientRect();
          return { text: node.textContent!.trim(), left: rect.left, right: rect.right };
        }),
      );
      assert.ok(labels.length >= 4, `${labels.length} day labels`);
      for (let i = 1; i < labels.length; i++) {
        assert.ok(
          labels[i]!.left > labels[i - 1]!.right,
          `day labels ${labels[i - 1]!.text} and ${labels[i]!.text} do not overlap`,
        );
      }
      assert.ok(
        labels[labels.length - 1]!.right <= chart.x + chart.width,
        'the last day label is inside the chart',
      );
      assert.equal(
        labels[labels.length - 1]!.text,
        figuresOf(progress[DAYS - 1]!).date.replace(/, \d{4}$/, ''),
      );

      // Nothing of the chart sticks out of its card (which would make the page scroll sideways).
      assert.ok(chart.x >= holder.x - 1 && chart.x + chart.width <= holder.x + holder.width + 1);
      const overflow = await page
        .locator('.progress-chart')
        .evaluate((node) => node.scrollWidth - node.clientWidth);
      assert.ok(overflow <= 0, `nothing in the chart overflows it (${overflow} px)`);
    });
  }

  test('axis text is no larger than body text; the value axis steps by round numbers', async () => {
    const body = (await fontSizes('body'))[0]!;
    const sizes = [...(await fontSizes('.chart-tick-label')), ...(await fontSizes('.chart-axis-title'))];
    assert.ok(sizes.length > 0);
    for (const size of sizes) assert.ok(size <= body, `axis text ${size} px ≤ body text ${body} px`);

    const values = (await page.locator('.y-tick-label').allInnerTexts()).map((text) => text.trim());
    assert.deepEqual(values, ['0', '250K', '500K', '750K', '1M', '1.25M', '1.5M']);
    // Each value label sits on its gridline, evenly spaced from the bottom up.
    const lines = await page
      .locator('.chart-gridline')
      .evaluateAll((nodes) => nodes.map((node) => node.getBoundingClientRect().top));
    const spacing = lines[0]! - lines[1]!;
    assert.ok(spacing > 20, 'gridlines are apart');
    lines.forEach((top, index) => assert.ok(Math.abs(lines[0]! - index * spacing - top) <= 1));
  });

  test('hovering a day shows its figures in a tooltip beside its bar', async () => {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 1000 });
      await column(14).hover();
      await assertTooltipBeside(14, 'right');
      await column(22).hover();
      await assertTooltipBeside(22, 'left');
      await assertAccessible(
        page,
        `the chart with the tooltip shown at ${width} px`,
        'c-backup-progress-chart',
      );
      await page.mouse.move(1, 1);
      await tooltip().waitFor({ state: 'detached' });
    }
  });

  test('keyboard users move between days with the arrow keys and hear each day’s figures', async () => {
    await page.setViewportSize({ width: WIDTHS[0]!, height: 1000 });
    const latest = column(DAYS - 1);
    assert.equal(await latest.getAttribute('tabindex'), '0', 'the latest day is the chart’s tab stop');
    await latest.focus();
    await assertTooltipBeside(DAYS - 1, 'left');
    await page.keyboard.press('ArrowLeft');
    await assertTooltipBeside(DAYS - 2, 'left');
    const figures = figuresOf(progress[DAYS - 2]!);
    assert.equal(
      await focusedLabel(),
      `${figures.date}: ${figures.versions} record versions, ${figures.files} files`,
    );
    await page.keyboard.press('Home');
    await assertTooltipBeside(0, 'right');
    assert.match((await focusedLabel())!, new RegExp(`^${figuresOf(progress[0]!).date}: `));
    await assertAccessible(page, 'the chart with a day focused', 'c-backup-progress-chart');
  });
});
