/**
 * SOQL relative date literals (TODAY, LAST_N_DAYS:n, THIS_MONTH, …) as half-open UTC ranges
 * [start, end) in ms. The simulated org's time zone is GMT, so day boundaries are UTC midnights.
 * Weeks start on Sunday; quarters are calendar quarters (the default fiscal year).
 */
import { DAY_MS } from '../org/datetime.js';

export interface MsRange {
  start: number;
  end: number;
}

function dayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}
function monthStart(y: number, m: number): number {
  return Date.UTC(y, m, 1);
}

export function dateLiteralRange(literal: string, n: number | undefined, nowMs: number): MsRange | null {
  const today = dayStart(nowMs);
  const now = new Date(nowMs);
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const q = Math.floor(m / 3) * 3;
  const weekStart = today - now.getUTCDay() * DAY_MS;
  const count = n ?? 0;
  switch (literal.toUpperCase()) {
    case 'YESTERDAY':
      return { start: today - DAY_MS, end: today };
    case 'TODAY':
      return { start: today, end: today + DAY_MS };
    case 'TOMORROW':
      return { start: today + DAY_MS, end: today + 2 * DAY_MS };
    case 'LAST_WEEK':
      return { start: weekStart - 7 * DAY_MS, end: weekStart };
    case 'THIS_WEEK':
      return { start: weekStart, end: weekStart + 7 * DAY_MS };
    case 'NEXT_WEEK':
      return { start: weekStart + 7 * DAY_MS, end: weekStart + 14 * DAY_MS };
    case 'LAST_MONTH':
      return { start: monthStart(y, m - 1), end: monthStart(y, m) };
    case 'THIS_MONTH':
      return { start: monthStart(y, m), end: monthStart(y, m + 1) };
    case 'NEXT_MONTH':
      return { start: monthStart(y, m + 1), end: monthStart(y, m + 2) };
    case 'LAST_90_DAYS':
      return { start: today - 90 * DAY_MS, end: today + DAY_MS };
    case 'NEXT_90_DAYS':
      return { start: today + DAY_MS, end: today + 91 * DAY_MS };
    case 'THIS_QUARTER':
    case 'THIS_FISCAL_QUARTER':
      return { start: monthStart(y, q), end: monthStart(y, q + 3) };
    case 'LAST_QUARTER':
    case 'LAST_FISCAL_QUARTER':
      return { start: monthStart(y, q - 3), end: monthStart(y, q) };
    case 'NEXT_QUARTER':
    case 'NEXT_FISCAL_QUARTER':
      return { start: monthStart(y, q + 3), end: monthStart(y, q + 6) };
    case 'THIS_YEAR':
    case 'THIS_FISCAL_YEAR':
      return { start: Date.UTC(y, 0, 1), end: Date.UTC(y + 1, 0, 1) };
    case 'LAST_YEAR':
    case 'LAST_FISCAL_YEAR':
      return { start: Date.UTC(y - 1, 0, 1), end: Date.UTC(y, 0, 1) };
    case 'NEXT_YEAR':
    case 'NEXT_FISCAL_YEAR':
      return { start: Date.UTC(y + 1, 0, 1), end: Date.UTC(y + 2, 0, 1) };
    case 'LAST_N_DAYS':
      return { start: today - count * DAY_MS, end: today + DAY_MS };
    case 'NEXT_N_DAYS':
      return { start: today + DAY_MS, end: today + (count + 1) * DAY_MS };
    case 'N_DAYS_AGO':
      return { start: today - count * DAY_MS, end: today - (count - 1) * DAY_MS };
    case 'LAST_N_WEEKS':
      return { start: weekStart - count * 7 * DAY_MS, end: weekStart };
    case 'NEXT_N_WEEKS':
      return { start: weekStart + 7 * DAY_MS, end: weekStart + (count + 1) * 7 * DAY_MS };
    case 'LAST_N_MONTHS':
      return { start: monthStart(y, m - count), end: monthStart(y, m) };
    case 'NEXT_N_MONTHS':
      return { start: monthStart(y, m + 1), end: monthStart(y, m + 1 + count) };
    case 'LAST_N_YEARS':
      return { start: Date.UTC(y - count, 0, 1), end: Date.UTC(y, 0, 1) };
    case 'NEXT_N_YEARS':
      return { start: Date.UTC(y + 1, 0, 1), end: Date.UTC(y + 1 + count, 0, 1) };
    case 'N_YEARS_AGO':
      return { start: Date.UTC(y - count, 0, 1), end: Date.UTC(y - count + 1, 0, 1) };
    default:
      return null;
  }
}
