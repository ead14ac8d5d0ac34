/**
 * FORMAT() (SOQL and SOSL Reference, "FORMAT()",
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_format.htm):
 * number, date, time and currency values as the user's locale shows them, e.g. `$44,000.00` and a
 * dateTime as `4/10/2025, 3:31 PM` in the user's time zone. The simulated user's locale is en_US;
 * the org's currency is USD (single-currency org). Other values pass unchanged.
 */
import type { FieldDef } from '../org/schema/model.js';

const LOCALE = 'en-US';

function dateTimeFormat(timeZone: string): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat(LOCALE, {
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      timeZone,
    });
  } catch {
    return dateTimeFormat('UTC');
  }
}

const DATE_FORMAT = new Intl.DateTimeFormat(LOCALE, {
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  timeZone: 'UTC',
});

/** A formatter for values of `field` (or of an aggregate of it: `kind` says which). */
export function formatter(
  field: FieldDef | null,
  timeZone: string,
  kind: 'value' | 'count' | 'average' = 'value',
): (value: unknown) => unknown {
  if (kind === 'count') return (v) => (typeof v === 'number' ? v.toLocaleString(LOCALE) : v);
  const type = field?.type ?? '';
  const scale = typeof field?.describe.scale === 'number' ? field.describe.scale : 0;
  if (type === 'datetime') {
    const f = dateTimeFormat(timeZone);
    return (v) => (typeof v === 'number' ? f.format(v) : v);
  }
  if (type === 'date')
    return (v) => (typeof v === 'string' ? DATE_FORMAT.format(Date.parse(`${v}T00:00:00Z`)) : v);
  if (type === 'currency') {
    const f = new Intl.NumberFormat(LOCALE, {
      style: 'currency',
      currency: 'USD',
      minimumFractionDigits: scale,
      maximumFractionDigits: scale,
    });
    return (v) => (typeof v === 'number' ? f.format(v) : v);
  }
  if (type === 'int' || type === 'double' || type === 'percent' || type === 'long') {
    const digits = kind === 'average' ? Math.max(scale, 2) : scale;
    const f = new Intl.NumberFormat(LOCALE, { minimumFractionDigits: digits, maximumFractionDigits: digits });
    return (v) => (typeof v === 'number' ? `${f.format(v)}${type === 'percent' ? '%' : ''}` : v);
  }
  return (v) => v;
}
