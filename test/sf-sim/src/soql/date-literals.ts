/**
 * SOQL relative date literals (TODAY, LAST_N_DAYS:n, THIS_MONTH, THIS_FISCAL_QUARTER, …) as
 * half-open UTC ranges [start, end) in ms. Salesforce documents the ranges as starting at
 * 00:00:00 UTC ("Date Formats and Date Literals in WHERE"); weeks start on Sunday (the en_US
 * locale). Quarters and years are calendar ones, the FISCAL variants follow the org's standard
 * fiscal year (its start month).
 */
import { DAY_MS } from '../org/datetime.js';
import { CALENDAR_FISCAL_YEAR, type FiscalYear } from './date-functions.js';

export interface MsRange {
  start: number;
  end: number;
}

function dayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** Start of month `index` counted from January of `year` (0-based, may be negative or past 11). */
function monthStart(year: number, index: number): number {
  return Date.UTC(year, index, 1);
}

/** Month ranges: `from`..`to` periods of `size` months around the period starting at month `base`. */
function months(year: number, base: number, size: number, from: number, to: number): MsRange {
  return { start: monthStart(year, base + from * size), end: monthStart(year, base + to * size) };
}

export function dateLiteralRange(
  literal: string,
  n: number | undefined,
  nowMs: number,
  fiscal: FiscalYear = CALENDAR_FISCAL_YEAR,
): MsRange | null {
  const today = dayStart(nowMs);
  const now = new Date(nowMs);
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  // Start month (0-based, relative to January of y) of the current calendar and fiscal quarter/year.
  const quarter = m - (m % 3);
  const fiscalOffset = (m - (fiscal.startMonth - 1) + 12) % 12;
  const fiscalYear = m - fiscalOffset;
  const fiscalQuarter = m - (fiscalOffset % 3);
  const weekStart = today - now.getUTCDay() * DAY_MS;
  const count = n ?? 0;
  const days = (from: number, to: number): MsRange => ({
    start: today + from * DAY_MS,
    end: today + to * DAY_MS,
  });
  const weeks = (from: number, to: number): MsRange => ({
    start: weekStart + from * 7 * DAY_MS,
    end: weekStart + to * 7 * DAY_MS,
  });
  // Month-based periods: their first month (relative to January of y) and length in months.
  const periods: Record<string, [base: number, size: number]> = {
    MONTH: [m, 1],
    QUARTER: [quarter, 3],
    YEAR: [0, 12],
    FISCAL_QUARTER: [fiscalQuarter, 3],
    FISCAL_YEAR: [fiscalYear, 12],
  };
  // A span of periods, `from`..`to` (half-open) around the current one.
  const span = (unit: string, from: number, to: number): MsRange | null => {
    if (unit === 'DAY') return days(from, to);
    if (unit === 'WEEK') return weeks(from, to);
    const period = periods[unit];
    return period ? months(y, period[0], period[1], from, to) : null;
  };
  const name = literal.toUpperCase();
  switch (name) {
    case 'YESTERDAY':
      return days(-1, 0);
    case 'TODAY':
      return days(0, 1);
    case 'TOMORROW':
      return days(1, 2);
    case 'LAST_90_DAYS':
      return days(-90, 1);
    case 'NEXT_90_DAYS':
      return days(1, 91);
  }
  let match = /^(LAST|THIS|NEXT)_(WEEK|MONTH|QUARTER|YEAR|FISCAL_QUARTER|FISCAL_YEAR)$/.exec(name);
  if (match) {
    const shift = match[1] === 'LAST' ? -1 : match[1] === 'THIS' ? 0 : 1;
    return span(match[2]!, shift, shift + 1);
  }
  match = /^(LAST|NEXT)_N_(DAY|WEEK|MONTH|QUARTER|YEAR|FISCAL_QUARTER|FISCAL_YEAR)S$/.exec(name);
  if (match) {
    // LAST_N_DAYS includes today; the other LAST_N_ spans end where the current period starts.
    if (match[1] === 'LAST') return span(match[2]!, -count, match[2] === 'DAY' ? 1 : 0);
    return span(match[2]!, 1, count + 1);
  }
  match = /^N_(DAY|WEEK|MONTH|QUARTER|YEAR|FISCAL_QUARTER|FISCAL_YEAR)S_AGO$/.exec(name);
  if (match) return span(match[1]!, -count, -count + 1);
  return null;
}
