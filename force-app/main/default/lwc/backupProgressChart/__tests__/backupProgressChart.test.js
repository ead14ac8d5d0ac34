import BackupProgressChart, {
  dayLabelIndexes,
  formatAxisNumber,
  niceScale,
  tooltipPlacement,
  tooltipStyle,
} from 'c/backupProgressChart';
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

function columns(element) {
  return Array.from(element.shadowRoot.querySelectorAll('.chart-column'));
}

function barHeight(column) {
  return parseFloat(column.querySelector('.chart-bar').style.height);
}

function texts(element, selector) {
  return Array.from(element.shadowRoot.querySelectorAll(selector)).map((node) => node.textContent.trim());
}

function tooltip(element) {
  return element.shadowRoot.querySelector('.chart-tooltip');
}

function tooltipLines(element) {
  return Array.from(tooltip(element).querySelectorAll('.tooltip-line')).map((line) => [
    line.querySelector('.tooltip-label').textContent,
    line.querySelector('.tooltip-value').textContent,
  ]);
}

describe('niceScale', () => {
  it('steps a 1.45M maximum by 250K up to 1.5M', () => {
    expect(niceScale(1450000)).toEqual({
      step: 250000,
      top: 1500000,
      ticks: [0, 250000, 500000, 750000, 1000000, 1250000, 1500000],
    });
  });

  it('uses 1, 2, 2.5 or 5 times a power of ten, with 4 to 6 intervals from a few dozen on', () => {
    for (const max of [37, 61, 99, 100, 101, 149, 999, 1001, 3000, 7777, 12345, 1200000, 9999999, 2.6e9]) {
      const { step, top, ticks } = niceScale(max);
      const magnitude = 10 ** Math.floor(Math.log10(step));
      expect([1, 2, 2.5, 5]).toContain(step / magnitude);
      expect(top).toBeGreaterThanOrEqual(max);
      expect(top - step).toBeLessThan(max);
      expect(ticks.length - 1).toBeGreaterThanOrEqual(4);
      expect(ticks.length - 1).toBeLessThanOrEqual(6);
      expect(ticks[0]).toBe(0);
      expect(ticks[ticks.length - 1]).toBe(top);
    }
  });

  it('never steps by a fraction of a count', () => {
    expect(niceScale(3).ticks).toEqual([0, 1, 2, 3]);
    expect(niceScale(1).ticks).toEqual([0, 1]);
    expect(niceScale(12).ticks).toEqual([0, 2, 4, 6, 8, 10, 12]);
    expect(niceScale(14).ticks).toEqual([0, 5, 10, 15]);
  });

  it('still has a scale when every day is zero', () => {
    expect(niceScale(0)).toEqual({ step: 1, top: 1, ticks: [0, 1] });
  });
});

describe('formatAxisNumber', () => {
  it('abbreviates in the locale it is given', () => {
    expect(formatAxisNumber(1250000, 'en-US')).toBe('1.25M');
    expect(formatAxisNumber(250000, 'en-US')).toBe('250K');
    expect(formatAxisNumber(0, 'en-US')).toBe('0');
    expect(formatAxisNumber(1250000, 'de-DE')).toBe('1,25\u00a0Mio.');
    expect(formatAxisNumber(2500, 'fr-FR')).toBe('2,5\u00a0k');
  });
});

describe('dayLabelIndexes', () => {
  it('labels every day when they all fit', () => {
    expect(dayLabelIndexes(5, 7)).toEqual([0, 1, 2, 3, 4]);
  });

  it('spaces the labels evenly, keeps the latest day and never exceeds the maximum', () => {
    expect(dayLabelIndexes(30, 7)).toEqual([0, 5, 10, 15, 20, 25, 29]);
    for (let count = 1; count <= 120; count++) {
      for (const max of [2, 3, 7, 12]) {
        const indexes = dayLabelIndexes(count, max);
        expect(indexes.length).toBeLessThanOrEqual(max);
        expect(indexes[0]).toBe(0);
        expect(indexes[indexes.length - 1]).toBe(count - 1);
      }
    }
  });

  it('drops the regular label crowding the latest day', () => {
    expect(dayLabelIndexes(32, 7)).toEqual([0, 6, 12, 18, 24, 31]);
  });
});

describe('tooltipPlacement', () => {
  it('puts the tooltip right of a bar in the left half, level with its top', () => {
    expect(tooltipPlacement(1, 10, 0.5)).toEqual({ side: 'right', center: 15, halfBar: 3.5, top: 50 });
  });

  it('puts the tooltip left of a bar in the right half', () => {
    expect(tooltipPlacement(8, 10, 0.4).side).toBe('left');
    expect(tooltipPlacement(9, 10, 0.4).center).toBe(95);
  });

  it('keeps the tooltip away from the top and bottom edges', () => {
    expect(tooltipPlacement(0, 3, 1).top).toBe(20);
    expect(tooltipPlacement(0, 3, 0).top).toBe(80);
  });

  it('turns a placement into CSS beside the bar', () => {
    expect(tooltipStyle(tooltipPlacement(1, 10, 0.5))).toBe(
      'left: calc(15% + min(3.5%, 2rem) + 0.875rem); top: 50%',
    );
    expect(tooltipStyle(tooltipPlacement(8, 10, 0.25))).toBe(
      'right: calc(15% + min(3.5%, 2rem) + 0.875rem); top: 75%',
    );
  });
});

describe('c-backup-progress-chart', () => {
  afterEach(unmountAll);

  it('draws one bar per day, as tall as its share of the axis', async () => {
    const element = await renderChart();

    const heights = columns(element).map(barHeight);
    // The axis runs to 1.2M (steps of 200K) for a 1.2M maximum.
    expect(heights).toEqual([100, 66.667, 25, 0, 0.473]);
  });

  it('labels the value axis with round, abbreviated numbers and the day axis with days', async () => {
    const element = await renderChart();

    expect(texts(element, '.y-tick-label')).toEqual(['0', '200K', '400K', '600K', '800K', '1M', '1.2M']);
    expect(texts(element, '.x-tick-label')).toEqual(['Nov 21', 'Nov 22', 'Nov 23', 'Nov 24', 'Nov 25']);
    expect(texts(element, '.x-axis-title')).toEqual(['Day (UTC)']);
    expect(texts(element, '.y-axis-title')).toEqual(['Record versions per day']);
    // The invisible sizer holds the widest label, so the axis is as wide as that label.
    expect(texts(element, '.chart-y-axis-sizer')).toEqual(['200K']);
  });

  it('places the value labels and gridlines at their share of the plot', async () => {
    const element = await renderChart();

    const bottoms = Array.from(element.shadowRoot.querySelectorAll('.chart-gridline')).map(
      (line) => line.style.bottom,
    );
    expect(bottoms).toEqual(['0%', '16.667%', '33.333%', '50%', '66.667%', '83.333%', '100%']);
  });

  it('shows a day’s figures in a tooltip beside its bar on hover', async () => {
    const element = await renderChart();
    expect(tooltip(element)).toBeNull();

    columns(element)[1].dispatchEvent(new CustomEvent('mouseenter'));
    await flushPromises();

    expect(tooltip(element).querySelector('.tooltip-day').textContent).toBe('Nov 22, 2026');
    expect(tooltipLines(element)).toEqual([
      ['Record versions', '800,000'],
      ['Files', '1,000'],
    ]);
    // The series shown is the one emphasised.
    expect(tooltip(element).querySelector('.tooltip-line_current .tooltip-label').textContent).toBe(
      'Record versions',
    );
    // Beside the bar: right of it (the second of five days is in the left half), nubbin pointing at it.
    expect(tooltip(element).dataset.side).toBe('right');
    expect(tooltip(element).classList).toContain('slds-nubbin_left');
    // (jsdom's CSS parser drops calc() with min(), so the attribute is read as written.)
    expect(tooltip(element).getAttribute('style')).toBe(
      'left: calc(30% + min(7%, 2rem) + 0.875rem); top: 33.333%',
    );
    expect(columns(element)[1].classList).toContain('chart-column_active');

    columns(element)[4].dispatchEvent(new CustomEvent('mouseenter'));
    await flushPromises();
    expect(tooltip(element).dataset.side).toBe('left');
    expect(tooltip(element).classList).toContain('slds-nubbin_right');
    expect(tooltip(element).getAttribute('style')).toBe(
      'right: calc(10% + min(7%, 2rem) + 0.875rem); top: 80%',
    );

    element.shadowRoot.querySelector('.chart-plot').dispatchEvent(new CustomEvent('mouseleave'));
    await flushPromises();
    expect(tooltip(element)).toBeNull();
    expect(element.shadowRoot.querySelector('.chart-column_active')).toBeNull();
  });

  it('shows a day’s figures on keyboard focus and moves between days with the arrow keys', async () => {
    const element = await renderChart();

    // Only one day is in the tab order: the latest.
    const tabStops = columns(element).filter((column) => column.getAttribute('tabindex') === '0');
    expect(tabStops).toHaveLength(1);
    expect(tabStops[0].dataset.index).toBe('4');

    tabStops[0].focus();
    await flushPromises();
    expect(tooltip(element).querySelector('.tooltip-day').textContent).toBe('Nov 25, 2026');

    tabStops[0].dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft' }));
    await flushPromises();
    expect(element.shadowRoot.activeElement).toBe(columns(element)[3]);
    expect(tooltipLines(element)).toEqual([
      ['Record versions', '0'],
      ['Files', '0'],
    ]);

    columns(element)[3].dispatchEvent(new KeyboardEvent('keydown', { key: 'Home' }));
    await flushPromises();
    expect(element.shadowRoot.activeElement).toBe(columns(element)[0]);
    expect(tooltip(element).querySelector('.tooltip-day').textContent).toBe('Nov 21, 2026');
    expect(columns(element)[0].getAttribute('tabindex')).toBe('0');

    columns(element)[0].dispatchEvent(new KeyboardEvent('keydown', { key: 'End' }));
    await flushPromises();
    expect(element.shadowRoot.activeElement).toBe(columns(element)[4]);

    columns(element)[4].blur();
    await flushPromises();
    expect(tooltip(element)).toBeNull();
  });

  it('gives every day an accessible name with its figures, and the chart one with its range', async () => {
    const element = await renderChart();

    expect(columns(element)[2].getAttribute('role')).toBe('img');
    expect(columns(element)[2].getAttribute('aria-label')).toBe(
      'Nov 23, 2026: 300,000 record versions, 300 files',
    );
    expect(element.shadowRoot.querySelector('.progress-chart').getAttribute('aria-label')).toBe(
      'Record versions per day, Nov 21, 2026 to Nov 25, 2026',
    );
    // The tooltip repeats the focused day's name, so assistive tech does not hear it twice.
    columns(element)[2].dispatchEvent(new CustomEvent('mouseenter'));
    await flushPromises();
    expect(tooltip(element).getAttribute('aria-hidden')).toBe('true');
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
    expect(texts(element, '.y-axis-title')).toEqual(['Files per day']);
    expect(texts(element, '.y-tick-label')).toEqual(['0', '500', '1K', '1.5K', '2K', '2.5K', '3K']);
    expect(columns(element).map(barHeight)).toEqual([100, 33.333, 10, 0, 0.033]);

    columns(element)[0].dispatchEvent(new CustomEvent('mouseenter'));
    await flushPromises();
    expect(tooltip(element).querySelector('.tooltip-line_current .tooltip-label').textContent).toBe('Files');
  });

  it('says so, without an empty chart or its controls, when there is no progress yet', async () => {
    const element = await renderChart([]);

    expect(columns(element)).toHaveLength(0);
    expect(element.shadowRoot.querySelector('.table-toggle')).toBeNull();
    const empty = element.shadowRoot.querySelector('c-empty-state.chart-empty');
    expect(empty.heading).toBe('No backup progress yet');
    expect(empty.message).toContain('record versions and files');
  });

  it('is accessible', async () => {
    const element = await renderChart();
    element.shadowRoot.querySelector('.table-toggle').click();
    columns(element)[1].dispatchEvent(new CustomEvent('mouseenter'));
    await flushPromises();

    await expect(element).toBeAccessible();
  });
});
