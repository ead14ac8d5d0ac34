import { LightningElement, api } from 'lwc';
import { formatCompactNumber, formatDay, formatDayLong, formatNumber } from 'c/backupFormat';

// Drawing area in SVG user units; the SVG scales to the card's width.
const WIDTH = 640;
const HEIGHT = 240;
const MARGIN = { top: 16, right: 12, bottom: 44, left: 60 };
const PLOT_WIDTH = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_HEIGHT = HEIGHT - MARGIN.top - MARGIN.bottom;
const MAX_DAY_LABELS = 7;

const SERIES = {
  versions: { label: 'Record versions', unit: 'versions' },
  files: { label: 'Files', unit: 'files' },
};

/** The smallest 1, 2 or 5 × 10^k that is at least `value` (so axis ticks are round numbers). */
export function niceCeiling(value) {
  if (!(value > 0)) {
    return 1;
  }
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((candidate) => candidate * magnitude >= value);
  return step * magnitude;
}

/**
 * Historical progress of Auto Backup as a bar chart drawn in SVG by this component: one bar per
 * day, record versions or files. Values show on hover and on keyboard focus (arrow keys move
 * between bars); the same numbers are available as a table.
 */
export default class BackupProgressChart extends LightningElement {
  /** [{ day: 'YYYY-MM-DD', versions, files }], oldest first. */
  @api progress = [];

  series = 'versions';
  activeIndex = -1;
  focusIndex = -1;
  showTable = false;
  focusPending = false;
  focusedInside = false;

  viewBox = `0 0 ${WIDTH} ${HEIGHT}`;
  plotLeft = MARGIN.left;
  plotRight = WIDTH - MARGIN.right;
  plotBottom = MARGIN.top + PLOT_HEIGHT;
  axisTitleX = MARGIN.left + PLOT_WIDTH / 2;
  axisTitleY = HEIGHT - 4;
  yTitleTransform = `translate(14 ${MARGIN.top + PLOT_HEIGHT / 2}) rotate(-90)`;

  get days() {
    return Array.isArray(this.progress) ? this.progress : [];
  }

  get hasData() {
    return this.days.length > 0;
  }

  get seriesLabel() {
    return SERIES[this.series].label;
  }

  get yAxisTitle() {
    return `${SERIES[this.series].label} per day`;
  }

  get chartLabel() {
    const days = this.days;
    if (days.length === 0) {
      return 'Backup progress chart';
    }
    return `${this.yAxisTitle}, ${formatDayLong(days[0].day)} to ${formatDayLong(days[days.length - 1].day)}`;
  }

  get versionsPressed() {
    return String(this.series === 'versions');
  }

  get filesPressed() {
    return String(this.series === 'files');
  }

  get versionsButtonClass() {
    return this.series === 'versions' ? 'slds-button slds-button_brand' : 'slds-button slds-button_neutral';
  }

  get filesButtonClass() {
    return this.series === 'files' ? 'slds-button slds-button_brand' : 'slds-button slds-button_neutral';
  }

  get scaleMax() {
    const values = this.days.map((entry) => Number(entry[this.series]) || 0);
    return niceCeiling(Math.max(0, ...values));
  }

  get currentFocusIndex() {
    const count = this.days.length;
    if (count === 0) {
      return -1;
    }
    return this.focusIndex >= 0 && this.focusIndex < count ? this.focusIndex : count - 1;
  }

  get bars() {
    const days = this.days;
    const band = PLOT_WIDTH / Math.max(days.length, 1);
    const barWidth = Math.max(1, band * 0.7);
    const max = this.scaleMax;
    const focusIndex = this.currentFocusIndex;
    return days.map((entry, index) => {
      const value = Number(entry[this.series]) || 0;
      const height = (value / max) * PLOT_HEIGHT;
      const label = this.describeDay(entry);
      return {
        key: entry.day,
        index,
        x: (MARGIN.left + index * band + (band - barWidth) / 2).toFixed(2),
        y: (MARGIN.top + PLOT_HEIGHT - height).toFixed(2),
        width: barWidth.toFixed(2),
        // A zero still gets a hairline so the day can be hovered and focused.
        height: Math.max(height, 1).toFixed(2),
        tabIndex: index === focusIndex ? '0' : '-1',
        label,
        className: index === this.activeIndex ? 'chart-bar chart-bar_active' : 'chart-bar',
      };
    });
  }

  /** A light column behind the hovered or focused day, so even a short bar is easy to spot. */
  get activeBand() {
    const count = this.days.length;
    if (this.activeIndex < 0 || this.activeIndex >= count) {
      return null;
    }
    const band = PLOT_WIDTH / count;
    return {
      x: (MARGIN.left + this.activeIndex * band).toFixed(2),
      y: MARGIN.top,
      width: band.toFixed(2),
      height: PLOT_HEIGHT,
    };
  }

  get yTicks() {
    const max = this.scaleMax;
    return [0, 0.5, 1].map((share) => {
      const y = (MARGIN.top + PLOT_HEIGHT - share * PLOT_HEIGHT).toFixed(2);
      return {
        key: `y${share}`,
        y,
        labelY: (Number(y) + 4).toFixed(2),
        label: formatCompactNumber(share * max),
      };
    });
  }

  get xTicks() {
    const days = this.days;
    const band = PLOT_WIDTH / Math.max(days.length, 1);
    const step = Math.ceil(days.length / MAX_DAY_LABELS);
    return days
      .map((entry, index) => ({ entry, index }))
      .filter(({ index }) => index % step === 0 || index === days.length - 1)
      .filter(({ index }) => index === days.length - 1 || days.length - 1 - index >= step / 2)
      .map(({ entry, index }) => ({
        key: `x${entry.day}`,
        x: (MARGIN.left + index * band + band / 2).toFixed(2),
        y: (MARGIN.top + PLOT_HEIGHT + 18).toFixed(2),
        label: formatDay(entry.day),
      }));
  }

  get readout() {
    const entry = this.days[this.activeIndex];
    return entry ? this.describeDay(entry) : 'Hover over or focus a bar to see the numbers for that day.';
  }

  get rows() {
    return this.days.map((entry) => ({
      key: entry.day,
      day: formatDayLong(entry.day),
      versions: formatNumber(entry.versions),
      files: formatNumber(entry.files),
    }));
  }

  get tableToggleLabel() {
    return this.showTable ? 'Hide table' : 'Show as table';
  }

  get tableExpanded() {
    return String(this.showTable);
  }

  describeDay(entry) {
    return `${formatDayLong(entry.day)}: ${formatNumber(entry.versions)} record versions, ${formatNumber(entry.files)} files`;
  }

  handleShowVersions() {
    this.series = 'versions';
  }

  handleShowFiles() {
    this.series = 'files';
  }

  handleBarEnter(event) {
    this.activeIndex = Number(event.currentTarget.dataset.index);
  }

  handleChartLeave() {
    this.activeIndex = this.focusedInside ? this.currentFocusIndex : -1;
  }

  handleBarFocus(event) {
    const index = Number(event.currentTarget.dataset.index);
    this.focusedInside = true;
    this.focusIndex = index;
    this.activeIndex = index;
  }

  handleBarBlur() {
    this.focusedInside = false;
    this.activeIndex = -1;
  }

  handleBarKeydown(event) {
    const last = this.days.length - 1;
    const current = this.currentFocusIndex;
    const moves = {
      ArrowRight: Math.min(current + 1, last),
      ArrowUp: Math.min(current + 1, last),
      ArrowLeft: Math.max(current - 1, 0),
      ArrowDown: Math.max(current - 1, 0),
      Home: 0,
      End: last,
    };
    if (!(event.key in moves)) {
      return;
    }
    event.preventDefault();
    this.focusIndex = moves[event.key];
    this.focusPending = true;
  }

  handleToggleTable() {
    this.showTable = !this.showTable;
  }

  renderedCallback() {
    if (this.focusPending) {
      this.focusPending = false;
      const bar = this.template.querySelector(`rect[data-index="${this.currentFocusIndex}"]`);
      if (bar) {
        bar.focus();
      }
    }
  }
}
