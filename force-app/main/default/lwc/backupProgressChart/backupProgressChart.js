import { LightningElement, api } from 'lwc';
import LOCALE from '@salesforce/i18n/locale';
import { formatDay, formatDayLong, formatNumber } from 'c/backupFormat';
import {
  BAR_MAX_REM,
  BAR_SHARE,
  dayLabelIndexes,
  formatAxisNumber,
  niceScale,
  tooltipPlacement,
  tooltipStyle,
} from './chartModel';

export { dayLabelIndexes, formatAxisNumber, niceScale, tooltipPlacement, tooltipStyle } from './chartModel';

/** Day labels are about this far apart at least (px), so they never run into each other. */
const DAY_LABEL_SPACING = 72;
/** Until the plot's width is known (or where it cannot be measured), this many day labels at most. */
const DEFAULT_DAY_LABELS = 7;

const SERIES = {
  versions: { label: 'Record versions', unit: 'record versions' },
  files: { label: 'Files', unit: 'files' },
};

const percent = (value) => `${Number(value.toFixed(3))}%`;

/**
 * Historical progress of Auto Backup as a bar chart, one bar per day, record versions or files. The
 * chart is laid out in HTML and CSS: it fills its card's width, its text stays at the page's text
 * sizes. A day's figures show in a tooltip beside its bar on hover and on keyboard focus (arrow keys,
 * Home and End move between days); each day's accessible name holds its figures, and the same
 * numbers are offered as a table.
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
  /** The plot's width in px, once measured (ResizeObserver): how many day labels fit. */
  plotWidth = 0;

  resizeObserver;
  observedPlot;

  get days() {
    return Array.isArray(this.progress) ? this.progress : [];
  }

  get hasData() {
    return this.days.length > 0;
  }

  get yAxisTitle() {
    return `${SERIES[this.series].label} per day`;
  }

  get chartLabel() {
    const days = this.days;
    if (days.length === 0) {
      return 'Backup progress chart';
    }
    return `${this.yAxisTitle}, ${formatDayLong(days[0].day, LOCALE)} to ${formatDayLong(days[days.length - 1].day, LOCALE)}`;
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

  valueOf(entry) {
    return Number(entry[this.series]) || 0;
  }

  get scale() {
    return niceScale(Math.max(0, ...this.days.map((entry) => this.valueOf(entry))));
  }

  get currentFocusIndex() {
    const count = this.days.length;
    if (count === 0) {
      return -1;
    }
    return this.focusIndex >= 0 && this.focusIndex < count ? this.focusIndex : count - 1;
  }

  get bars() {
    const top = this.scale.top;
    const focusIndex = this.currentFocusIndex;
    return this.days.map((entry, index) => {
      const active = index === this.activeIndex;
      return {
        key: entry.day,
        index,
        tabIndex: index === focusIndex ? '0' : '-1',
        label: this.describeDay(entry),
        columnClass: active ? 'chart-column chart-column_active' : 'chart-column',
        // A zero keeps a hairline (min-height in the CSS) so the day still shows as a day.
        style: `height: ${percent((this.valueOf(entry) / top) * 100)}; width: ${BAR_SHARE * 100}%; max-width: ${BAR_MAX_REM}rem`,
      };
    });
  }

  get yTicks() {
    const { ticks, top } = this.scale;
    return ticks.map((value) => ({
      key: `y${value}`,
      label: formatAxisNumber(value, LOCALE),
      style: `bottom: ${percent((value / top) * 100)}`,
    }));
  }

  /** The widest value label, laid out invisibly so the value axis is exactly as wide as it needs. */
  get yAxisSizer() {
    return this.yTicks.reduce(
      (widest, tick) => (tick.label.length > widest.length ? tick.label : widest),
      '',
    );
  }

  get maxDayLabels() {
    return this.plotWidth > 0 ? Math.floor(this.plotWidth / DAY_LABEL_SPACING) : DEFAULT_DAY_LABELS;
  }

  get xTicks() {
    const days = this.days;
    return dayLabelIndexes(days.length, this.maxDayLabels).map((index) => ({
      key: `x${days[index].day}`,
      label: formatDay(days[index].day, LOCALE),
      style: `left: ${percent(((index + 0.5) / days.length) * 100)}`,
    }));
  }

  /** The hovered or focused day's figures, beside its bar; null when no day is active. */
  get tooltip() {
    const days = this.days;
    const entry = days[this.activeIndex];
    if (!entry) {
      return null;
    }
    const placement = tooltipPlacement(this.activeIndex, days.length, this.valueOf(entry) / this.scale.top);
    const nubbin = placement.side === 'right' ? 'slds-nubbin_left' : 'slds-nubbin_right';
    return {
      className: `slds-popover slds-popover_tooltip ${nubbin} chart-tooltip`,
      side: placement.side,
      style: tooltipStyle(placement),
      day: formatDayLong(entry.day, LOCALE),
      lines: Object.keys(SERIES).map((series) => ({
        key: series,
        label: SERIES[series].label,
        value: formatNumber(Number(entry[series]) || 0, LOCALE),
        className: series === this.series ? 'tooltip-line tooltip-line_current' : 'tooltip-line',
      })),
    };
  }

  get rows() {
    return this.days.map((entry) => ({
      key: entry.day,
      day: formatDayLong(entry.day, LOCALE),
      versions: formatNumber(entry.versions, LOCALE),
      files: formatNumber(entry.files, LOCALE),
    }));
  }

  get tableToggleLabel() {
    return this.showTable ? 'Hide table' : 'Show as table';
  }

  get tableExpanded() {
    return String(this.showTable);
  }

  describeDay(entry) {
    return `${formatDayLong(entry.day, LOCALE)}: ${formatNumber(Number(entry.versions) || 0, LOCALE)} ${SERIES.versions.unit}, ${formatNumber(Number(entry.files) || 0, LOCALE)} ${SERIES.files.unit}`;
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
    this.observePlot();
    if (this.focusPending) {
      this.focusPending = false;
      const column = this.template.querySelector(`.chart-column[data-index="${this.currentFocusIndex}"]`);
      if (column) {
        column.focus();
      }
    }
  }

  disconnectedCallback() {
    if (this.resizeObserver) {
      this.resizeObserver.disconnect();
    }
    this.observedPlot = undefined;
  }

  /** Follows the plot's width, so as many day labels show as fit (none of this where it cannot be measured). */
  observePlot() {
    const plot = this.template.querySelector('.chart-plot') || undefined;
    if (plot === this.observedPlot || typeof ResizeObserver !== 'function') {
      return;
    }
    if (!this.resizeObserver) {
      this.resizeObserver = new ResizeObserver((entries) => {
        const width = Math.round(entries[entries.length - 1].contentRect.width);
        if (width > 0 && width !== this.plotWidth) {
          this.plotWidth = width;
        }
      });
    }
    if (this.observedPlot) {
      this.resizeObserver.unobserve(this.observedPlot);
    }
    this.observedPlot = plot;
    if (plot) {
      this.resizeObserver.observe(plot);
    }
  }
}
