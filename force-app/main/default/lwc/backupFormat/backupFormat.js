/**
 * Formatting shared by the Auto Backup components: byte sizes, counts and UTC days.
 * A missing value (null or undefined) is shown as an em dash; anything else that is not a
 * finite number is a programming error and throws, naming the value.
 *
 * Examples: formatBytes(1536) → '1.5 KB'; formatCompactNumber(1234567) → '1.2M';
 * formatDay('2026-11-03') → 'Nov 3'.
 */
export const MISSING = '—';

const BYTE_UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'];

function assertNumber(value, what) {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`${what} must be a finite number, got ${JSON.stringify(value)}`);
  }
}

/** Bytes in powers of 1024, one decimal from KB on: 0 → '0 bytes', 1536 → '1.5 KB'. */
export function formatBytes(bytes, locale) {
  if (bytes === null || bytes === undefined) {
    return MISSING;
  }
  assertNumber(bytes, 'bytes');
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 ? 0 : 1;
  const number = new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);
  return `${number} ${BYTE_UNITS[unit]}`;
}

/** A count with grouping separators: 1234567 → '1,234,567'. */
export function formatNumber(value, locale) {
  if (value === null || value === undefined) {
    return MISSING;
  }
  assertNumber(value, 'count');
  return new Intl.NumberFormat(locale).format(value);
}

/** A short count for headlines and axis labels: 1234567 → '1.2M'. */
export function formatCompactNumber(value, locale) {
  if (value === null || value === undefined) {
    return MISSING;
  }
  assertNumber(value, 'count');
  return new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(value);
}

/** A fraction as a percentage: 0.5 → '50%'. */
export function formatPercent(fraction, locale) {
  if (fraction === null || fraction === undefined) {
    return MISSING;
  }
  assertNumber(fraction, 'fraction');
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(fraction);
}

function parseDay(day) {
  if (typeof day !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(day)) {
    throw new TypeError(`day must look like YYYY-MM-DD, got ${JSON.stringify(day)}`);
  }
  return new Date(`${day}T00:00:00Z`);
}

/** A progress day (a UTC calendar day) as month and day: '2026-11-03' → 'Nov 3'. */
export function formatDay(day, locale) {
  return new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(
    parseDay(day),
  );
}

/** A progress day with its year: '2026-11-03' → 'Nov 3, 2026'. */
export function formatDayLong(day, locale) {
  return new Intl.DateTimeFormat(locale, {
    month: 'short',
    day: 'numeric',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(parseDay(day));
}
