/**
 * Canonical record versions: the same Salesforce record read through REST (JSON) or Bulk API 2.0
 * (CSV) becomes the same object, so its serialised version is byte-identical whichever API read it.
 *
 * Rules:
 * - values are typed by the describe's field `type` (numbers are JSON numbers, booleans are JSON
 *   booleans, datetimes are UTC ISO with milliseconds and `Z`, times `HH:mm:ss.SSSZ`);
 * - empty values are `null` (Bulk CSV cannot tell an empty string from null, so neither can we);
 * - keys are in code-unit (ASCII) order, so the serialisation is stable;
 * - base64 bodies and compound address/location fields are left out (their components are backed
 *   up as separate fields; bodies are file blobs);
 * - REST `attributes`, parent relationship objects (`Owner: {...}`) and Bulk relationship columns
 *   (`Owner.Name`) are not part of the record's own fields and are dropped.
 *
 * Sources for the wire formats: REST records (datetime `+0000`, time `10:30:00.000Z`), REST API Developer Guide,
 * "Get Deleted Records" and "Execute a SOQL Query": https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_get_deleted.htm, https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_query.htm;
 * Bulk CSV (`true`/`false`, `2024-01-15T10:30:00.000Z`, `A;B`, `""` for null), Bulk API 2.0 Developer Guide,
 * "Valid Date Format in Records" and "Get Results for a Query Job": https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_date_format.htm,
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_job_results.htm.
 */

export type RecordSource = 'rest' | 'bulk';

export type CanonicalValue = string | number | boolean | null;

export type CanonicalRecord = Record<string, CanonicalValue>;

/** Field name → describe `type` (e.g. `{ Id: 'id', Name: 'string', Amount: 'currency' }`). */
export type FieldTypes = Readonly<Record<string, string>>;

const STRING_TYPES = new Set([
  'string',
  'textarea',
  'picklist',
  'multipicklist',
  'phone',
  'url',
  'email',
  'combobox',
  'encryptedstring',
  'datacategorygroupreference',
  'id',
  'reference',
  'date',
]);
const NUMBER_TYPES = new Set(['double', 'currency', 'percent', 'int', 'long']);
/** Types that never go into a record version. */
export const EXCLUDED_FIELD_TYPES: ReadonlySet<string> = new Set(['base64', 'address', 'location']);

export class CanonicalValueError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`field ${field}: ${message}`);
    this.name = 'CanonicalValueError';
  }
}

/** True when a field of this describe type is stored in versions (not base64/compound). */
export function isVersionedFieldType(type: string): boolean {
  return !EXCLUDED_FIELD_TYPES.has(type);
}

/**
 * Turns one record as read from `source` into its canonical form. Fields of `record` that are not
 * in `fieldTypes` are rejected (they would silently go missing otherwise), except REST
 * `attributes`, relationship objects and dotted Bulk relationship columns.
 */
export function canonicalizeRecord(
  record: Readonly<Record<string, unknown>>,
  fieldTypes: FieldTypes,
  source: RecordSource,
): CanonicalRecord {
  if (source !== 'rest' && source !== 'bulk')
    throw new Error(`unknown record source "${String(source)}" (expected rest or bulk)`);
  const names = Object.keys(record).sort();
  const out: CanonicalRecord = {};
  for (const name of names) {
    if (name === 'attributes' || name.includes('.')) continue;
    const raw = record[name];
    const type = Object.hasOwn(fieldTypes, name) ? fieldTypes[name] : undefined;
    if (type === undefined) {
      if (raw !== null && typeof raw === 'object') continue; // parent relationship (REST)
      throw new CanonicalValueError(name, 'not in the describe of this object');
    }
    if (EXCLUDED_FIELD_TYPES.has(type)) continue;
    out[name] = canonicalValue(name, type, raw, source);
  }
  return out;
}

function canonicalValue(name: string, type: string, raw: unknown, source: RecordSource): CanonicalValue {
  if (raw === null || raw === undefined || raw === '') return null;
  if (STRING_TYPES.has(type)) {
    if (typeof raw !== 'string')
      throw new CanonicalValueError(name, `expected a ${type} string, got ${describeValue(raw)}`);
    if (type === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(raw))
      throw new CanonicalValueError(name, `not a date (YYYY-MM-DD): "${raw}"`);
    return raw;
  }
  if (NUMBER_TYPES.has(type)) return canonicalNumber(name, type, raw);
  switch (type) {
    case 'boolean':
      return canonicalBoolean(name, raw);
    case 'datetime':
      return canonicalDatetime(name, raw);
    case 'time':
      return canonicalTime(name, raw);
    case 'anyType':
      // Polymorphic values (e.g. field history OldValue/NewValue): Bulk CSV carries them as text,
      // so the canonical form is the text form in both sources.
      if (typeof raw === 'string') return raw;
      if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
      throw new CanonicalValueError(name, `unexpected anyType value ${describeValue(raw)}`);
    default:
      throw new CanonicalValueError(name, `unsupported field type "${type}" (${source})`);
  }
}

function canonicalNumber(name: string, type: string, raw: unknown): number {
  let value: number;
  if (typeof raw === 'number') value = raw;
  else if (typeof raw === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw.trim()))
    value = Number(raw.trim());
  else throw new CanonicalValueError(name, `not a number (${type}): ${describeValue(raw)}`);
  if (!Number.isFinite(value))
    throw new CanonicalValueError(name, `not a finite number (${type}): ${describeValue(raw)}`);
  // -0 and 0 must serialise the same way.
  return value === 0 ? 0 : value;
}

function canonicalBoolean(name: string, raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new CanonicalValueError(name, `not a boolean: ${describeValue(raw)}`);
}

const DATETIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/;

/** Any ISO datetime Salesforce sends (`+0000`, `+00:00`, `Z`, with or without millis) → `…T…:…:….mmmZ`. */
/** The form Salesforce's REST API sends (`2026-01-02T03:04:05.000+0000`): most values of a backfill. */
const REST_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/;

export function canonicalDatetime(name: string, raw: unknown): string {
  if (typeof raw !== 'string') throw new CanonicalValueError(name, `not a datetime: ${describeValue(raw)}`);
  if (REST_DATETIME.test(raw)) {
    // The same value without the capture groups and string building below (a hot path of every record).
    const fast = Date.parse(`${raw.slice(0, 23)}Z`);
    if (!Number.isNaN(fast)) return new Date(fast).toISOString();
  }
  const m = DATETIME.exec(raw);
  if (!m) throw new CanonicalValueError(name, `not an ISO datetime: "${raw}"`);
  const [, date, hh, mi, ss, frac = '', zone = 'Z'] = m;
  const millis = (frac + '000').slice(0, 3);
  const offset = zone === 'Z' ? '+00:00' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const ms = Date.parse(`${date}T${hh}:${mi}:${ss}.${millis}${offset}`);
  if (Number.isNaN(ms)) throw new CanonicalValueError(name, `not a valid datetime: "${raw}"`);
  return new Date(ms).toISOString();
}

const TIME = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z?$/;

function canonicalTime(name: string, raw: unknown): string {
  if (typeof raw !== 'string') throw new CanonicalValueError(name, `not a time: ${describeValue(raw)}`);
  const m = TIME.exec(raw);
  if (!m) throw new CanonicalValueError(name, `not a time (HH:mm:ss.SSSZ): "${raw}"`);
  const [, hh, mi, ss, frac = ''] = m;
  return `${hh}:${mi}:${ss}.${(frac + '000').slice(0, 3)}Z`;
}

function describeValue(raw: unknown): string {
  const text = JSON.stringify(raw) ?? String(raw);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Field types of a describe result (`fields[].name/type`); excluded types are dropped later, by canonicalizeRecord. */
export function fieldTypesFromDescribe(describe: {
  fields: ReadonlyArray<{ name: string; type: string }>;
}): Record<string, string> {
  const types: Record<string, string> = {};
  for (const field of describe.fields) types[field.name] = field.type;
  return types;
}
