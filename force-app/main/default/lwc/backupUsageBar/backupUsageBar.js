import { LightningElement, api } from 'lwc';

const TONES = ['base', 'warning', 'error'];

function clampPercent(value) {
  const number = Number(value);
  if (!Number.isFinite(number)) {
    return 0;
  }
  return Math.min(100, Math.max(0, Math.round(number)));
}

/**
 * A horizontal usage bar (SLDS progress bar blueprint) in one of three tones — `base` (brand blue),
 * `warning`, `error` — with an optional marker at a share of the bar (e.g. Auto Backup's API budget)
 * and its legend under it. lightning-progress-bar offers neither tones nor a marker (its `variant`
 * accepts `base` and `circular` only).
 *
 * `label` is shown above the bar and is its accessible name; screen readers hear `valueText` as its
 * value, so the text must say
 * what the colour and the marker show (e.g. "61% of the daily API allowance used, over Auto Backup's
 * budget of 50%").
 *
 * Example: <c-backup-usage-bar label="Daily API allowance" value="61" tone="warning" marker="50"
 *            marker-label="Auto Backup's budget: 50%" value-text="61% used …"></c-backup-usage-bar>
 */
export default class BackupUsageBar extends LightningElement {
  /** What the bar measures: shown above it, and its accessible name. */
  @api label;
  /** How full the bar is, in percent (0–100; more is drawn as 100). */
  @api value = 0;
  /** `base`, `warning` or `error`; anything else is `base`. */
  @api tone = 'base';
  /** Where the marker goes, in percent; none when not given. */
  @api marker;
  /** What the marker stands for, shown under it. */
  @api markerLabel;
  /** The value as screen readers hear it; the percentage when not given. */
  @api valueText;

  get normalizedTone() {
    return TONES.includes(this.tone) ? this.tone : 'base';
  }

  get valueNow() {
    return clampPercent(this.value);
  }

  get fillClass() {
    const tone = this.normalizedTone;
    return tone === 'base' ? 'slds-progress-bar__value fill' : `slds-progress-bar__value fill fill_${tone}`;
  }

  get fillStyle() {
    return `width: ${this.valueNow}%`;
  }

  get hasMarker() {
    return this.marker !== undefined && this.marker !== null && this.marker !== '';
  }

  get markerPercent() {
    return clampPercent(this.marker);
  }

  get markerStyle() {
    return `left: ${this.markerPercent}%`;
  }

  /** The legend's left edge: centred on the marker, but never past the bar's ends. */
  get legendStyle() {
    const percent = this.markerPercent;
    if (percent < 15) {
      return 'left: 0';
    }
    if (percent > 85) {
      return 'right: 0';
    }
    return `left: ${percent}%; transform: translateX(-50%)`;
  }
}
