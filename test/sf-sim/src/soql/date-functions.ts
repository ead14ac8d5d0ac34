/**
 * SOQL date functions (CALENDAR_YEAR(), DAY_ONLY(), FISCAL_QUARTER(), …) as Salesforce evaluates
 * them (SOQL reference, "Date Functions" and "convertTimezone()"):
 * - a dateTime argument is read in UTC unless wrapped in convertTimezone(), which reads it in the
 *   querying user's time zone (User.TimeZoneSidKey);
 * - a date argument has no time zone;
 * - DAY_ONLY() and HOUR_IN_DAY() take dateTime fields only;
 * - DAY_IN_WEEK() is 1 for Sunday … 7 for Saturday; WEEK_IN_MONTH()/WEEK_IN_YEAR() count
 *   seven-day blocks from the 1st of the month / January 1st;
 * - FISCAL_*() follow the org's standard fiscal year: its start month, and whether the year is
 *   named after the calendar year it starts or ends in (Salesforce's default is the ending year).
 */

export type DateFunctionName =
  | 'CALENDAR_MONTH'
  | 'CALENDAR_QUARTER'
  | 'CALENDAR_YEAR'
  | 'DAY_IN_MONTH'
  | 'DAY_IN_WEEK'
  | 'DAY_IN_YEAR'
  | 'DAY_ONLY'
  | 'FISCAL_MONTH'
  | 'FISCAL_QUARTER'
  | 'FISCAL_YEAR'
  | 'HOUR_IN_DAY'
  | 'WEEK_IN_MONTH'
  | 'WEEK_IN_YEAR';

const NAMES = new Set<string>([
  'CALENDAR_MONTH',
  'CALENDAR_QUARTER',
  'CALENDAR_YEAR',
  'DAY_IN_MONTH',
  'DAY_IN_WEEK',
  'DAY_IN_YEAR',
  'DAY_ONLY',
  'FISCAL_MONTH',
  'FISCAL_QUARTER',
  'FISCAL_YEAR',
  'HOUR_IN_DAY',
  'WEEK_IN_MONTH',
  'WEEK_IN_YEAR',
]);

export function isDateFunction(name: string): name is DateFunctionName {
  return NAMES.has(name.toUpperCase());
}

/** Functions that only accept dateTime fields. */
export function needsDateTime(name: DateFunctionName): boolean {
  return name === 'DAY_ONLY' || name === 'HOUR_IN_DAY';
}

/** DAY_ONLY() yields a date (`YYYY-MM-DD`); the others yield integers. */
export function resultIsDate(name: DateFunctionName): boolean {
  return name === 'DAY_ONLY';
}

/** The org's standard fiscal year (Organization.FiscalYearStartMonth / UsesStartDateAsFiscalYearName). */
export interface FiscalYear {
  /** 1 = January. */
  startMonth: number;
  /** true: FY named after the year it starts in; false (the default): the year it ends in. */
  nameByStartYear: boolean;
}

export const CALENDAR_FISCAL_YEAR: FiscalYear = { startMonth: 1, nameByStartYear: false };

/** Calendar parts of one instant or date. `month` is 1-12, `weekday` 0 = Sunday. */
export interface DateParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  weekday: number;
}

const DAY_MS = 86_400_000;

function utcParts(ms: number): DateParts {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    weekday: d.getUTCDay(),
  };
}

/** Parts of a `YYYY-MM-DD` date (no time zone), or null when it is not one. */
export function dateStringParts(text: string): DateParts | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  return utcParts(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
}

/** True when the runtime knows this IANA time zone name. */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const OFFSET_BUCKET_MS = 15 * 60_000;

/**
 * Reads instants in one time zone. The zone's UTC offset is looked up once per quarter hour of
 * time (offsets only change on quarter-hour boundaries), so per-row work is arithmetic.
 */
export class ZoneReader {
  private readonly format: Intl.DateTimeFormat | null;
  private readonly offsets = new Map<number, number>();

  constructor(readonly zone: string) {
    // GMT-like names and names the runtime does not know read as UTC.
    const utc = zone === 'GMT' || zone === 'UTC' || zone === 'Etc/UTC' || !isKnownTimeZone(zone);
    this.format = utc
      ? null
      : new Intl.DateTimeFormat('en-US', {
          timeZone: zone,
          hourCycle: 'h23',
          year: 'numeric',
          month: 'numeric',
          day: 'numeric',
          hour: 'numeric',
          minute: 'numeric',
          second: 'numeric',
        });
  }

  /** Milliseconds to add to a UTC instant to get the zone's wall-clock time. */
  offsetAt(ms: number): number {
    if (!this.format) return 0;
    const bucket = Math.floor(ms / OFFSET_BUCKET_MS);
    let off = this.offsets.get(bucket);
    if (off === undefined) {
      const at = bucket * OFFSET_BUCKET_MS;
      const p: Record<string, number> = {};
      for (const part of this.format.formatToParts(new Date(at)))
        if (part.type !== 'literal') p[part.type] = Number(part.value);
      const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
      off = wall - at;
      if (this.offsets.size > 100_000) this.offsets.clear();
      this.offsets.set(bucket, off);
    }
    return off;
  }

  parts(ms: number): DateParts {
    return utcParts(ms + this.offsetAt(ms));
  }
}

export const UTC_READER = new ZoneReader('UTC');

function fiscalMonth(month: number, fy: FiscalYear): number {
  return ((month - fy.startMonth + 12) % 12) + 1;
}

function fiscalYearOf(p: DateParts, fy: FiscalYear): number {
  if (fy.startMonth === 1) return p.year;
  const startYear = p.month >= fy.startMonth ? p.year : p.year - 1;
  return fy.nameByStartYear ? startYear : startYear + 1;
}

function dayInYear(p: DateParts): number {
  return Math.round((Date.UTC(p.year, p.month - 1, p.day) - Date.UTC(p.year, 0, 1)) / DAY_MS) + 1;
}

const pad2 = (n: number): string => (n < 10 ? '0' + n : String(n));

/** The value of a date function for the given calendar parts. */
export function applyDateFunction(name: DateFunctionName, p: DateParts, fy: FiscalYear): number | string {
  switch (name) {
    case 'CALENDAR_MONTH':
      return p.month;
    case 'CALENDAR_QUARTER':
      return Math.ceil(p.month / 3);
    case 'CALENDAR_YEAR':
      return p.year;
    case 'DAY_IN_MONTH':
      return p.day;
    case 'DAY_IN_WEEK':
      return p.weekday + 1;
    case 'DAY_IN_YEAR':
      return dayInYear(p);
    case 'DAY_ONLY':
      return `${String(p.year).padStart(4, '0')}-${pad2(p.month)}-${pad2(p.day)}`;
    case 'FISCAL_MONTH':
      return fiscalMonth(p.month, fy);
    case 'FISCAL_QUARTER':
      return Math.ceil(fiscalMonth(p.month, fy) / 3);
    case 'FISCAL_YEAR':
      return fiscalYearOf(p, fy);
    case 'HOUR_IN_DAY':
      return p.hour;
    case 'WEEK_IN_MONTH':
      return Math.floor((p.day - 1) / 7) + 1;
    case 'WEEK_IN_YEAR':
      return Math.floor((dayInYear(p) - 1) / 7) + 1;
  }
}

/**
 * A reader of one date function over stored values: datetimes (epoch ms) through `zone`, dates
 * (`YYYY-MM-DD`) as they are. Null in, null out.
 */
export function dateFunctionReader(
  name: DateFunctionName,
  zone: ZoneReader,
  fy: FiscalYear,
): (value: unknown) => number | string | null {
  return (value) => {
    if (typeof value === 'number') return applyDateFunction(name, zone.parts(value), fy);
    if (typeof value === 'string') {
      const p = dateStringParts(value);
      return p ? applyDateFunction(name, p, fy) : null;
    }
    return null;
  };
}

/**
 * The fiscal year an Organization row describes (FiscalYearStartMonth 1-12,
 * UsesStartDateAsFiscalYearName); a calendar year when the row or the fields are absent.
 */
export function fiscalYearOfOrganization(row: Record<string, unknown> | null): FiscalYear {
  const month = row?.FiscalYearStartMonth;
  const startMonth =
    typeof month === 'number' && Number.isInteger(month) && month >= 1 && month <= 12 ? month : 1;
  return { startMonth, nameByStartYear: row?.UsesStartDateAsFiscalYearName === true };
}
