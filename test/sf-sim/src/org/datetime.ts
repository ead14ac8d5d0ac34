/** Date/time formats of the Salesforce APIs. Internally datetimes are epoch milliseconds (UTC). */

// Formatting is on the hot path of every query row, so day strings are cached and the time of
// day is built arithmetically instead of through Date#toISOString.
const DAY = 86_400_000;
const dayCache = new Map<number, string>();
function dayString(day: number): string {
  let s = dayCache.get(day);
  if (s === undefined) {
    s = new Date(day * DAY).toISOString().slice(0, 10);
    if (dayCache.size > 50_000) dayCache.clear();
    dayCache.set(day, s);
  }
  return s;
}
const pad2 = (n: number): string => (n < 10 ? '0' + n : String(n));
const pad3 = (n: number): string => (n < 10 ? '00' + n : n < 100 ? '0' + n : String(n));
function dayAndTime(ms: number): string {
  const day = Math.floor(ms / DAY);
  let rest = ms - day * DAY;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const sec = Math.floor(rest / 1000);
  return dayString(day) + 'T' + pad2(h) + ':' + pad2(m) + ':' + pad2(sec) + '.' + pad3(rest - sec * 1000);
}

/** REST JSON datetime: `2024-01-02T03:04:05.000+0000`. */
export function restDateTime(ms: number): string {
  return dayAndTime(ms) + '+0000';
}

/** Bulk CSV datetime: `2024-01-02T03:04:05.000Z`. */
export function csvDateTime(ms: number): string {
  return dayAndTime(ms) + 'Z';
}

/** `YYYY-MM-DD` of a UTC instant. */
export function isoDate(ms: number): string {
  return dayString(Math.floor(ms / DAY));
}

export function truncateToSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

export function truncateToMinute(ms: number): number {
  return Math.floor(ms / 60_000) * 60_000;
}

/**
 * Parses an ISO-8601 instant as the APIs accept it: `2024-01-01T00:00:00Z`, with optional
 * fraction, `+hh:mm` / `+hhmm` offsets. Returns null when it is not one.
 */
export function parseDateTime(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/.exec(
    text.trim(),
  );
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (frac) ms += Math.floor(Number('0' + frac) * 1000);
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return Number.isFinite(ms) ? ms : null;
}

/** Parses `YYYY-MM-DD`; null when invalid. */
export function parseDate(text: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isFinite(ms) && isoDate(ms) === text ? text : null;
}

export const DAY_MS = 86_400_000;
