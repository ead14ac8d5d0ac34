import BackupProgressChart, { niceCeiling } from 'c/backupProgressChart';
import { flushPromises, mount, unmountAll } from '../../../../../test/lwcTestUtils';

const PROGRESS = [
  { day: '2026-11-21', versions: 1200000, files: 3000 },
  { day: '2026-11-22', versions: 800000, files: 1000 },
  { day: '2026-11-23', versions: 300000, files: 300 },
  { day: '2026-11-24', versions: 0, files: 0 },
  { day: '2026-11-25', versions: 5678, files: 1 },
];

function renderChart(progress = PROGRESS) {
  return mount('c-backup-progress-chart', BackupProgressChart, { progress });
}

function bars(element) {
  return Array.from(element.shadowRoot.querySelectorAll('rect.chart-bar'));
}

function readout(element) {
  return element.shadowRoot.querySelector('.chart-readout').textContent;
}

describe('c-backup-progress-chart', () => {
  afterEach(unmountAll);

  it('draws one bar per day, taller for busier days', async () => {
    const element = await renderChart();

    const heights = bars(element).map((bar) => Number(bar.getAttribute('height')));
    expect(heights).toHaveLength(5);
    expect(heights[0]).toBeGreaterThan(heights[1]);
    expect(heights[1]).toBeGreaterThan(heights[2]);
    // A day without activity keeps a hairline so it can still be hovered and focused.
    expect(heights[3]).toBe(1);
  });

  it('labels both axes with round numbers and days', async () => {
    const element = await renderChart();

    const labels = Array.from(element.shadowRoot.querySelectorAll('.chart-tick-label')).map((node) =>
      node.textContent.trim(),
    );
    expect(labels).toEqual(expect.arrayContaining(['0', '1M', '2M', 'Nov 21', 'Nov 25']));
    expect(element.shadowRoot.querySelector('.x-axis-title').textContent.trim()).toBe('Day (UTC)');
    expect(element.shadowRoot.querySelector('.y-axis-title').textContent.trim()).toBe(
      'Record versions per day',
    );
  });

  it('shows the values of a day on hover', async () => {
    const element = await renderChart();
    expect(element.shadowRoot.querySelector('.chart-active-band')).toBeNull();

    bars(element)[1].dispatchEvent(new CustomEvent('mouseenter'));
    await flushPromises();

    expect(readout(element)).toBe('Nov 22, 2026: 800,000 record versions, 1,000 files');
    expect(bars(element)[1].getAttribute('class')).toContain('chart-bar_active');
    // A highlight column marks the day, aligned with its bar.
    const band = element.shadowRoot.querySelector('.chart-active-band');
    const bar = bars(element)[1];
    const bandLeft = Number(band.getAttribute('x'));
    const bandRight = bandLeft + Number(band.getAttribute('width'));
    expect(Number(bar.getAttribute('x'))).toBeGreaterThan(bandLeft);
    expect(Number(bar.getAttribute('x')) + Number(bar.getAttribute('width'))).toBeLessThan(bandRight);

    element.shadowRoot.querySelector('svg').dispatchEvent(new CustomEvent('mouseleave'));
    await flushPromises();
    expect(element.shadowRoot.querySelector('.chart-active-band')).toBeNull();
    expect(readout(element)).toContain('Hover over or focus a bar');
  });

  it('shows the values of a day on keyboard focus and moves with the arrow keys', async () => {
    const element = await renderChart();

    // Only one bar is in the tab order: the latest day.
    const tabStops = bars(element).filter((bar) => bar.getAttribute('tabindex') === '0');
    expect(tabStops).toHaveLength(1);
    expect(tabStops[0].dataset.index).toBe('4');

    tabStops[0].focus();
    await flushPromises();
    expect(readout(element)).toBe('Nov 25, 2026: 5,678 record versions, 1 files');

    tabStops[0].dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft' }));
    await flushPromises();
    expect(element.shadowRoot.activeElement).toBe(bars(element)[3]);
    expect(readout(element)).toBe('Nov 24, 2026: 0 record versions, 0 files');

    bars(element)[3].dispatchEvent(new KeyboardEvent('keydown', { key: 'Home' }));
    await flushPromises();
    expect(readout(element)).toBe('Nov 21, 2026: 1,200,000 record versions, 3,000 files');
    expect(bars(element)[0].getAttribute('tabindex')).toBe('0');
  });

  it('gives every bar an accessible name with its values', async () => {
    const element = await renderChart();

    expect(bars(element)[2].getAttribute('aria-label')).toBe(
      'Nov 23, 2026: 300,000 record versions, 300 files',
    );
    expect(bars(element)[2].querySelector('title').textContent).toBe(
      'Nov 23, 2026: 300,000 record versions, 300 files',
    );
  });

  it('offers the same numbers as a table', async () => {
    const element = await renderChart();
    expect(element.shadowRoot.querySelector('.progress-table')).toBeNull();

    const toggle = element.shadowRoot.querySelector('.table-toggle');
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    toggle.click();
    await flushPromises();

    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    const rows = Array.from(element.shadowRoot.querySelectorAll('.progress-table tbody tr')).map((row) =>
      Array.from(row.children).map((cell) => cell.textContent),
    );
    expect(rows).toEqual([
      ['Nov 21, 2026', '1,200,000', '3,000'],
      ['Nov 22, 2026', '800,000', '1,000'],
      ['Nov 23, 2026', '300,000', '300'],
      ['Nov 24, 2026', '0', '0'],
      ['Nov 25, 2026', '5,678', '1'],
    ]);
  });

  it('switches the bars to files', async () => {
    const element = await renderChart();

    element.shadowRoot.querySelector('button[data-series="files"]').click();
    await flushPromises();

    expect(element.shadowRoot.querySelector('button[data-series="files"]').getAttribute('aria-pressed')).toBe(
      'true',
    );
    expect(element.shadowRoot.querySelector('.y-axis-title').textContent.trim()).toBe('Files per day');
    const labels = Array.from(element.shadowRoot.querySelectorAll('.chart-tick-label')).map((node) =>
      node.textContent.trim(),
    );
    expect(labels).toEqual(expect.arrayContaining(['0', '2.5K', '5K']));
  });

  it('says so when there is no activity yet', async () => {
    const element = await renderChart([]);

    expect(bars(element)).toHaveLength(0);
    expect(element.shadowRoot.querySelector('.chart-empty').textContent).toContain('No backup activity');
  });

  it('rounds the scale up to 1, 2 or 5 times a power of ten', () => {
    expect(niceCeiling(0)).toBe(1);
    expect(niceCeiling(7)).toBe(10);
    expect(niceCeiling(1200000)).toBe(2000000);
    expect(niceCeiling(3000)).toBe(5000);
    expect(niceCeiling(500)).toBe(500);
  });

  it('is accessible', async () => {
    const element = await renderChart();
    element.shadowRoot.querySelector('.table-toggle').click();
    await flushPromises();

    await expect(element).toBeAccessible();
  });
});
