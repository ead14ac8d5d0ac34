/**
 * The straightforward canonicalization the store shipped with before it was tuned for CPU (sorting each record's
 * keys, typing each value by set lookups, datetimes through Date.parse): the reference the tuned
 * canonicalizeRecord and canonicalDatetime must match byte for byte, error for error (packs are a fixed contract,
 * docs/CONTRACTS.md). Errors carry the same message (`field NAME: …`) but are plain Errors.
 */
type CanonicalValue = string | number | boolean | null;

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
const EXCLUDED_FIELD_TYPES = new Set(['base64', 'address', 'location']);

const fail = (field: string, message: string) => new Error(`field ${field}: ${message}`);

export function referenceCanonicalizeRecord(
  record: Readonly<Record<string, unknown>>,
  fieldTypes: Readonly<Record<string, string>>,
  source: 'rest' | 'bulk',
): Record<string, CanonicalValue> {
  const names = Object.keys(record).sort();
  const out: Record<string, CanonicalValue> = {};
  for (const name of names) {
    if (name === 'attributes' || name.includes('.')) continue;
    const raw = record[name];
    const type = Object.hasOwn(fieldTypes, name) ? fieldTypes[name] : undefined;
    if (type === undefined) {
      if (raw !== null && typeof raw === 'object') continue;
      throw fail(name, 'not in the describe of this object');
    }
    if (EXCLUDED_FIELD_TYPES.has(type)) continue;
    out[name] = referenceValue(name, type, raw, source);
  }
  return out;
}

function referenceValue(name: string, type: string, raw: unknown, source: string): CanonicalValue {
  if (raw === null || raw === undefined || raw === '') return null;
  if (STRING_TYPES.has(type)) {
    if (typeof raw !== 'string') throw fail(name, `expected a ${type} string, got ${describeValue(raw)}`);
    if (type === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(raw))
      throw fail(name, `not a date (YYYY-MM-DD): "${raw}"`);
    return raw;
  }
  if (NUMBER_TYPES.has(type)) {
    let value: number;
    if (typeof raw === 'number') value = raw;
    else if (typeof raw === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw.trim()))
      value = Number(raw.trim());
    else throw fail(name, `not a number (${type}): ${describeValue(raw)}`);
    if (!Number.isFinite(value)) throw fail(name, `not a finite number (${type}): ${describeValue(raw)}`);
    return value === 0 ? 0 : value;
  }
  switch (type) {
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      throw fail(name, `not a boolean: ${describeValue(raw)}`);
    case 'datetime':
      return referenceDatetime(name, raw);
    case 'time': {
      if (typeof raw !== 'string') throw fail(name, `not a time: ${describeValue(raw)}`);
      const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z?$/.exec(raw);
      if (!m) throw fail(name, `not a time (HH:mm:ss.SSSZ): "${raw}"`);
      const [, hh, mi, ss, frac = ''] = m;
      return `${hh}:${mi}:${ss}.${(frac + '000').slice(0, 3)}Z`;
    }
    case 'anyType':
      if (typeof raw === 'string') return raw;
      if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
      throw fail(name, `unexpected anyType value ${describeValue(raw)}`);
    default:
      throw fail(name, `unsupported field type "${type}" (${source})`);
  }
}

export function referenceDatetime(name: string, raw: unknown): string {
  if (typeof raw !== 'string') throw fail(name, `not a datetime: ${describeValue(raw)}`);
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/.exec(raw);
  if (!m) throw fail(name, `not an ISO datetime: "${raw}"`);
  const [, date, hh, mi, ss, frac = '', zone = 'Z'] = m;
  const millis = (frac + '000').slice(0, 3);
  const offset = zone === 'Z' ? '+00:00' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const ms = Date.parse(`${date}T${hh}:${mi}:${ss}.${millis}${offset}`);
  if (Number.isNaN(ms)) throw fail(name, `not a valid datetime: "${raw}"`);
  return new Date(ms).toISOString();
}

function describeValue(raw: unknown): string {
  const text = JSON.stringify(raw) ?? String(raw);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
