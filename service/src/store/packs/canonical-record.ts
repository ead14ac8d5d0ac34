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

/** How a field's values are canonicalized, by its describe type (canonicalValue). */
type FieldKind =
  'excluded' | 'string' | 'date' | 'number' | 'boolean' | 'datetime' | 'time' | 'anyType' | 'unsupported';

function fieldKind(type: string): FieldKind {
  if (EXCLUDED_FIELD_TYPES.has(type)) return 'excluded';
  if (type === 'date') return 'date';
  if (STRING_TYPES.has(type)) return 'string';
  if (NUMBER_TYPES.has(type)) return 'number';
  if (type === 'boolean' || type === 'datetime' || type === 'time' || type === 'anyType') return type;
  return 'unsupported';
}

/** One key of a record, in output order: its describe type and kind, or none when it is not in the describe. */
interface KeyPlan {
  name: string;
  type: string | undefined;
  kind: FieldKind | undefined;
}

/** The keys of records of one shape (the same keys in the same order), sorted and resolved against a describe. */
interface ShapePlan {
  keys: readonly string[];
  plan: readonly KeyPlan[];
  /**
   * A canonical record of this shape with every value null: the keys it can hold (those with a versioned type),
   * in output order. Each record's canonical form starts as a copy of it, so every canonical record of the shape
   * shares one compact object layout, where one built key by key becomes a hash table (slower to serialise and
   * several times the memory while a batch waits to be written).
   */
  template: CanonicalRecord;
}

/**
 * Recent shapes per field-type map. Every record of a query page has the same keys in the same order, so sorting
 * them and looking up their types once per shape rather than once per record saves most of the work of
 * canonicalizing a record (the backfill's hottest code). A field-type map must not change once used (none does:
 * each is built from one describe).
 */
const shapesByFieldTypes = new WeakMap<FieldTypes, ShapePlan[]>();
/** Shapes remembered per field-type map: a query's own fields, and the few variants Bulk or a re-read bring. */
const SHAPES_KEPT = 8;

function shapePlan(keys: readonly string[], fieldTypes: FieldTypes): ShapePlan {
  let shapes = shapesByFieldTypes.get(fieldTypes);
  if (shapes === undefined) {
    shapes = [];
    shapesByFieldTypes.set(fieldTypes, shapes);
  }
  for (const shape of shapes) if (sameKeys(shape.keys, keys)) return shape;
  const plan: KeyPlan[] = [];
  for (const name of [...keys].sort()) {
    if (name === 'attributes' || name.includes('.')) continue;
    const type = Object.hasOwn(fieldTypes, name) ? fieldTypes[name] : undefined;
    plan.push({ name, type, kind: type === undefined ? undefined : fieldKind(type) });
  }
  const output = plan.filter((k) => k.kind !== undefined && k.kind !== 'excluded').map((k) => k.name);
  // JSON.parse makes an object with the compact layout; the keys are in the order `out` was built in before.
  const template = JSON.parse(
    `{${output.map((name) => `${JSON.stringify(name)}:null`).join(',')}}`,
  ) as CanonicalRecord;
  const shape = { keys, plan, template };
  if (shapes.length >= SHAPES_KEPT) shapes.pop();
  shapes.unshift(shape);
  return shape;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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
  const { plan, template } = shapePlan(Object.keys(record), fieldTypes);
  const out: CanonicalRecord = { ...template };
  for (const { name, type, kind } of plan) {
    const raw = record[name];
    if (kind === undefined) {
      if (raw !== null && typeof raw === 'object') continue; // parent relationship (REST)
      throw new CanonicalValueError(name, 'not in the describe of this object');
    }
    if (kind === 'excluded') continue;
    out[name] = canonicalValue(name, type!, kind, raw, source);
  }
  return out;
}

function canonicalValue(
  name: string,
  type: string,
  kind: FieldKind,
  raw: unknown,
  source: RecordSource,
): CanonicalValue {
  if (raw === null || raw === undefined || raw === '') return null;
  switch (kind) {
    case 'string':
    case 'date':
      if (typeof raw !== 'string')
        throw new CanonicalValueError(name, `expected a ${type} string, got ${describeValue(raw)}`);
      if (kind === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(raw))
        throw new CanonicalValueError(name, `not a date (YYYY-MM-DD): "${raw}"`);
      return raw;
    case 'number':
      return canonicalNumber(name, type, raw);
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

/**
 * The forms of most values: Salesforce's REST form (`2026-01-02T03:04:05.000+0000`) and the canonical one, which
 * Bulk CSV also uses (`2026-01-02T03:04:05.000Z`).
 */
const MILLIS_UTC_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(?:Z|\+0000)$/;

/** The two-digit number at `at` of a string already known to hold digits there. */
function twoDigits(text: string, at: number): number {
  return (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;
}

/** Any ISO datetime Salesforce sends (`+0000`, `+00:00`, `Z`, with or without millis) → `…T…:…:….mmmZ`. */
export function canonicalDatetime(name: string, raw: unknown): string {
  if (typeof raw !== 'string') throw new CanonicalValueError(name, `not a datetime: ${describeValue(raw)}`);
  // A hot path of every record: with every part in range (a day past the 28th may roll over into the next
  // month, so it takes the general path), the canonical form is the text itself, up to its zone.
  if (
    MILLIS_UTC_DATETIME.test(raw) &&
    twoDigits(raw, 5) >= 1 &&
    twoDigits(raw, 5) <= 12 &&
    twoDigits(raw, 8) >= 1 &&
    twoDigits(raw, 8) <= 28 &&
    twoDigits(raw, 11) <= 23 &&
    twoDigits(raw, 14) <= 59 &&
    twoDigits(raw, 17) <= 59
  )
    return raw.length === 24 ? raw : `${raw.slice(0, 23)}Z`;
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
