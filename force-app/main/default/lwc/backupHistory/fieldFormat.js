/**
 * A backed-up field value as a record page shows it, by the field's type (from the object's describe:
 * AutoBackupHistoryController.getFieldDescriptions): numbers, currency and percentages with the
 * locale's grouping and the field's decimal places, dates and times in the user's locale (date-times
 * in the user's time zone), checkboxes as Yes/No, addresses on lines, picklist values by label. The
 * type names are those of the describe (REST and Apex alike, lower case: `currency`, `datetime`, …).
 *
 * Without a description (a field the describe does not list, or no describe at all) the value is
 * shown by its JSON type: numbers grouped, booleans as Yes/No, addresses on lines, text as is.
 *
 * Example: formatFieldValue(2500000, { type: 'currency', scale: 2 }, { locale: 'en-US', currency: 'USD' })
 *   → '$2,500,000.00'
 */
export const EMPTY_VALUE = '(empty)';
/** What AutoBackupHistoryController.MASKED_VALUE puts in place of an encrypted value. */
export const MASKED_VALUE = '********';
/** How a masked value reads. */
export const MASKED_TEXT = 'Hidden: encrypted field (needs View Encrypted Data)';

const NUMBER_TYPES = new Set(['double', 'int', 'integer', 'long']);
const ADDRESS_LINE_KEYS = ['street', 'city', 'state', 'postalCode', 'country'];

export function isEmptyValue(value) {
  return value === null || value === undefined || value === '';
}

/** A number from a JSON number or a numeric string (Bulk API answers are text); else null. */
function toNumber(value) {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : null;
  }
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return null;
}

function decimals(scale) {
  return Number.isInteger(scale) && scale >= 0 && scale <= 20 ? scale : undefined;
}

function formatNumber(number, field, context) {
  const digits = field && field.type === 'double' ? decimals(field.scale) : undefined;
  return new Intl.NumberFormat(context.locale, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits === undefined ? 20 : digits,
  }).format(number);
}

function formatCurrency(number, field, context) {
  const digits = decimals(field.scale);
  const options = {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits === undefined ? 20 : digits,
  };
  if (!context.currency) {
    return new Intl.NumberFormat(context.locale, options).format(number);
  }
  try {
    return new Intl.NumberFormat(context.locale, {
      ...options,
      style: 'currency',
      currency: context.currency,
    }).format(number);
  } catch {
    // Not an ISO 4217 code Intl knows: the amount, then the code.
    return `${new Intl.NumberFormat(context.locale, options).format(number)} ${context.currency}`;
  }
}

/** A percent field holds the percentage itself: 12.5 reads "12.5%". */
function formatPercent(number, field, context) {
  const digits = decimals(field.scale);
  return new Intl.NumberFormat(context.locale, {
    style: 'percent',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits === undefined ? 20 : digits,
  }).format(number / 100);
}

/** A date field (`YYYY-MM-DD`) has no time zone: shown as that calendar day. */
function formatDate(value, context) {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(value));
  if (!match) {
    return String(value);
  }
  const day = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return new Intl.DateTimeFormat(context.locale, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  }).format(day);
}

function formatDateTime(value, context) {
  const moment = new Date(value);
  if (Number.isNaN(moment.getTime())) {
    return String(value);
  }
  const options = {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
  };
  try {
    return new Intl.DateTimeFormat(context.locale, { ...options, timeZone: context.timeZone }).format(moment);
  } catch {
    return new Intl.DateTimeFormat(context.locale, options).format(moment);
  }
}

/** A time field (`HH:mm:ss.SSSZ`) is a time of day without a date or time zone. */
function formatTime(value, context) {
  const match = /^(\d{2}):(\d{2})(?::(\d{2}))?/.exec(String(value));
  if (!match) {
    return String(value);
  }
  const time = new Date(Date.UTC(1970, 0, 1, Number(match[1]), Number(match[2]), Number(match[3] || 0)));
  return new Intl.DateTimeFormat(context.locale, {
    hour: 'numeric',
    minute: '2-digit',
    timeZone: 'UTC',
  }).format(time);
}

function formatBoolean(value) {
  if (value === true || value === 'true') {
    return 'Yes';
  }
  if (value === false || value === 'false') {
    return 'No';
  }
  return String(value);
}

/** An address as a record page shows it: street, then city, state and postal code, then country. */
function formatAddress(address) {
  const part = (key) => {
    const value = address[key];
    return isEmptyValue(value) ? '' : String(value).trim();
  };
  const cityLine = [
    part('city'),
    [part('state') || part('stateCode'), part('postalCode')].filter(Boolean).join(' '),
  ]
    .filter(Boolean)
    .join(', ');
  const lines = [part('street'), cityLine, part('country') || part('countryCode')].filter(Boolean);
  return lines.length > 0 ? lines.join('\n') : EMPTY_VALUE;
}

function formatLocation(location, context) {
  const coordinate = (value) =>
    new Intl.NumberFormat(context.locale, { maximumFractionDigits: 6 }).format(value);
  const latitude = toNumber(location.latitude);
  const longitude = toNumber(location.longitude);
  if (latitude === null || longitude === null) {
    return EMPTY_VALUE;
  }
  return `${coordinate(latitude)}, ${coordinate(longitude)}`;
}

function isAddress(value) {
  return ADDRESS_LINE_KEYS.some((key) => key in value);
}

/** A picklist value by its label; a value no longer in the picklist shows as stored. */
function picklistLabel(value, field) {
  const option = (field.picklistValues || []).find((entry) => entry.value === value);
  return option && option.label ? option.label : value;
}

function formatObject(value, context) {
  if (isAddress(value)) {
    return formatAddress(value);
  }
  if ('latitude' in value && 'longitude' in value) {
    return formatLocation(value, context);
  }
  return JSON.stringify(value);
}

/** The value by its JSON type, for a field without a description. */
function formatUntyped(value, context) {
  if (typeof value === 'number') {
    return formatNumber(value, null, context);
  }
  if (typeof value === 'boolean') {
    return formatBoolean(value);
  }
  if (typeof value === 'object') {
    return formatObject(value, context);
  }
  return String(value);
}

/**
 * `value` as text for a field described by `field` (`{ type, scale, picklistValues }`, or undefined)
 * in `context` (`{ locale, timeZone, currency }`: the user's locale and time zone, and the record's
 * currency). Empty values read "(empty)", masked encrypted values say they are hidden.
 */
export function formatFieldValue(value, field, context = {}) {
  if (isEmptyValue(value)) {
    return EMPTY_VALUE;
  }
  if (value === MASKED_VALUE) {
    return MASKED_TEXT;
  }
  const type = field && field.type ? String(field.type).toLowerCase() : null;
  const number = toNumber(value);
  if (type === 'currency' && number !== null) {
    return formatCurrency(number, field, context);
  }
  if (type === 'percent' && number !== null) {
    return formatPercent(number, field, context);
  }
  if (NUMBER_TYPES.has(type) && number !== null) {
    return formatNumber(number, field, context);
  }
  switch (type) {
    case 'date':
      return formatDate(value, context);
    case 'datetime':
      return formatDateTime(value, context);
    case 'time':
      return formatTime(value, context);
    case 'boolean':
      return formatBoolean(value);
    case 'picklist':
    case 'combobox':
      return picklistLabel(String(value), field);
    case 'multipicklist':
      return String(value)
        .split(';')
        .map((entry) => picklistLabel(entry, field))
        .join('; ');
    default:
      return formatUntyped(value, context);
  }
}
