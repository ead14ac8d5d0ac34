/**
 * The arithmetic of the progress chart, kept apart from the component so it can be tested alone:
 * the value axis (round steps), which days get a label, and where the tooltip of a day goes.
 * Positions are shares of the plot (0–100 %), so the chart follows its card's width in CSS.
 */

/** Steps of the value axis are 1, 2, 2.5 or 5 × 10^k: 0, 250K, 500K … reads easily. */
const STEP_MULTIPLIERS = [1, 2, 2.5, 5];
/** At most this many intervals between 0 and the top of the axis (so at most 7 labels). */
export const MAX_INTERVALS = 6;
/** Bars take this share of their day's column, and are never wider than BAR_MAX_REM rem. */
export const BAR_SHARE = 0.7;
export const BAR_MAX_REM = 4;
/** The tooltip's anchor stays this far from the plot's top and bottom, so it is never cut off. */
const TOOLTIP_MIN_TOP = 20;
const TOOLTIP_MAX_TOP = 80;

/**
 * The value axis for data whose largest value is `max`: the smallest round step giving at most
 * MAX_INTERVALS intervals (counts only: steps are whole numbers), the top of the axis, and the ticks.
 * niceScale(1450000) → { step: 250000, top: 1500000, ticks: [0, 250000, …, 1500000] }.
 * With nothing to show (0) the axis still runs from 0 to 1, so bars have a scale.
 */
export function niceScale(max) {
  const value = Number.isFinite(max) && max > 0 ? max : 1;
  let magnitude = 10 ** Math.max(0, Math.floor(Math.log10(value / MAX_INTERVALS)));
  for (;;) {
    for (const multiplier of STEP_MULTIPLIERS) {
      const step = multiplier * magnitude;
      const intervals = Math.ceil(value / step);
      if (Number.isInteger(step) && intervals <= MAX_INTERVALS) {
        return {
          step,
          top: intervals * step,
          ticks: Array.from({ length: intervals + 1 }, (unused, index) => index * step),
        };
      }
    }
    magnitude *= 10;
  }
}

/** An axis number, short and in the user's locale: 1250000 → '1.25M' (en-US), '1,25 Mio.' (de-DE). */
export function formatAxisNumber(value, locale) {
  return new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 2 }).format(value);
}

/**
 * Which of `count` days get a label on the day axis, at most `maxLabels` of them: evenly spaced from
 * the first, and always the latest day (a regular label too close to it gives way).
 */
export function dayLabelIndexes(count, maxLabels) {
  if (count <= 0) {
    return [];
  }
  const last = count - 1;
  const most = Math.max(2, Math.floor(maxLabels));
  const step = Math.max(1, Math.ceil(last / (most - 1)));
  const indexes = [];
  for (let index = 0; index <= last; index += step) {
    indexes.push(index);
  }
  if (indexes[indexes.length - 1] !== last) {
    if (indexes.length > 1 && last - indexes[indexes.length - 1] <= step / 2) {
      indexes.pop();
    }
    indexes.push(last);
  }
  return indexes;
}

/**
 * Where the tooltip of day `index` (of `count`) goes, the day's bar being `share` (0–1) of the plot's
 * height: beside the bar, on the side with more room (right of a bar in the left half, left of one in
 * the right half), its middle level with the top of the bar but never so close to the plot's edge that
 * it would be cut off. `center` and `halfBar` are shares of the plot's width, `top` of its height,
 * all in percent; `halfBar` is the bar's half width when it is not capped by BAR_MAX_REM.
 */
export function tooltipPlacement(index, count, share) {
  const columns = Math.max(count, 1);
  const center = ((index + 0.5) / columns) * 100;
  const halfBar = ((BAR_SHARE / 2) * 100) / columns;
  const clampedShare = Math.min(Math.max(Number(share) || 0, 0), 1);
  const top = Math.min(Math.max((1 - clampedShare) * 100, TOOLTIP_MIN_TOP), TOOLTIP_MAX_TOP);
  return { side: center <= 50 ? 'right' : 'left', center, halfBar, top };
}

/** The inline style that puts the tooltip where `tooltipPlacement` says (gap: the nubbin's room). */
export function tooltipStyle(placement) {
  const round = (value) => Number(value.toFixed(3));
  const fromBar = `min(${round(placement.halfBar)}%, ${BAR_MAX_REM / 2}rem) + 0.875rem`;
  const horizontal =
    placement.side === 'right'
      ? `left: calc(${round(placement.center)}% + ${fromBar})`
      : `right: calc(${round(100 - placement.center)}% + ${fromBar})`;
  return `${horizontal}; top: ${round(placement.top)}%`;
}
