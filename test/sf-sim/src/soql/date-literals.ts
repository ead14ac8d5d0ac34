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
  switch (literal.toUpperCase()) {
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
    case 'LAST_N_DAYS':
      return days(-count, 1);
    case 'NEXT_N_DAYS':
      return days(1, count + 1);
    case 'N_DAYS_AGO':
      return days(-count, -count + 1);
    case 'LAST_WEEK':
      return weeks(-1, 0);
    case 'THIS_WEEK':
      return weeks(0, 1);
    case 'NEXT_WEEK':
      return weeks(1, 2);
    case 'LAST_N_WEEKS':
      return weeks(-count, 0);
    case 'NEXT_N_WEEKS':
      return weeks(1, count + 1);
    case 'N_WEEKS_AGO':
      return weeks(-count, -count + 1);
    case 'LAST_MONTH':
      return months(y, m, 1, -1, 0);
    case 'THIS_MONTH':
      return months(y, m, 1, 0, 1);
    case 'NEXT_MONTH':
      return months(y, m, 1, 1, 2);
    case 'LAST_N_MONTHS':
      return months(y, m, 1, -count, 0);
    case 'NEXT_N_MONTHS':
      return months(y, m, 1, 1, count + 1);
    case 'N_MONTHS_AGO':
      return months(y, m, 1, -count, -count + 1);
    case 'THIS_QUARTER':
      return months(y, quarter, 3, 0, 1);
    case 'LAST_QUARTER':
      return months(y, quarter, 3, -1, 0);
    case 'NEXT_QUARTER':
      return months(y, quarter, 3, 1, 2);
    case 'LAST_N_QUARTERS':
      return months(y, quarter, 3, -count, 0);
    case 'NEXT_N_QUARTERS':
      return months(y, quarter, 3, 1, count + 1);
    case 'N_QUARTERS_AGO':
      return months(y, quarter, 3, -count, -count + 1);
    case 'THIS_YEAR':
      return months(y, 0, 12, 0, 1);
    case 'LAST_YEAR':
      return months(y, 0, 12, -1, 0);
    case 'NEXT_YEAR':
      return months(y, 0, 12, 1, 2);
    case 'LAST_N_YEARS':
      return months(y, 0, 12, -count, 0);
    case 'NEXT_N_YEARS':
      return months(y, 0, 12, 1, count + 1);
    case 'N_YEARS_AGO':
      return months(y, 0, 12, -count, -count + 1);
    case 'THIS_FISCAL_QUARTER':
      return months(y, fiscalQuarter, 3, 0, 1);
    case 'LAST_FISCAL_QUARTER':
      return months(y, fiscalQuarter, 3, -1, 0);
    case 'NEXT_FISCAL_QUARTER':
      return months(y, fiscalQuarter, 3, 1, 2);
    case 'LAST_N_FISCAL_QUARTERS':
      return months(y, fiscalQuarter, 3, -count, 0);
    case 'NEXT_N_FISCAL_QUARTERS':
      return months(y, fiscalQuarter, 3, 1, count + 1);
    case 'N_FISCAL_QUARTERS_AGO':
      return months(y, fiscalQuarter, 3, -count, -count + 1);
    case 'THIS_FISCAL_YEAR':
      return months(y, fiscalYear, 12, 0, 1);
    case 'LAST_FISCAL_YEAR':
      return months(y, fiscalYear, 12, -1, 0);
    case 'NEXT_FISCAL_YEAR':
      return months(y, fiscalYear, 12, 1, 2);
    case 'LAST_N_FISCAL_YEARS':
      return months(y, fiscalYear, 12, -count, 0);
    case 'NEXT_N_FISCAL_YEARS':
      return months(y, fiscalYear, 12, 1, count + 1);
    case 'N_FISCAL_YEARS_AGO':
      return months(y, fiscalYear, 12, -count, -count + 1);
    default:
      return null;
  }
}
