/** Converts JSON field values of write requests to stored values, with Salesforce's errors. */
import { SimError } from './api.js';
import type { BlobRef, FieldDef } from './schema/model.js';
import { parseDate, parseDateTime, restDateTime } from './datetime.js';
import { normaliseId } from './ids.js';

function deserializeError(f: FieldDef, value: unknown, type: string): SimError {
  return new SimError(
    400,
    'JSON_PARSER_ERROR',
    `Cannot deserialize instance of ${type} from ${typeof value === 'string' ? 'VALUE_STRING' : 'VALUE'} value ${String(value)} or request may be missing a required field at [line:1, column:1]`,
    [f.name],
  );
}

/**
 * Since API 15.0 a text value longer than its field fails with STRING_TOO_LONG instead of being
 * truncated (SOAP API Developer Guide, "AllowFieldTruncationHeader",
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_header_allowfieldtruncation.htm).
 * That header is SOAP-only: the REST API has no way to ask for truncation. Lengths count characters.
 */
function checkLength(f: FieldDef, value: string): string {
  const max = f.describe.length;
  if (typeof max !== 'number' || max <= 0 || value.length <= max) return value;
  if ([...value].length <= max) return value;
  throw new SimError(
    400,
    'STRING_TOO_LONG',
    `${String(f.describe.label ?? f.name)}: data value too large: ${value} (max length=${max})`,
    [f.name],
  );
}

export function toStored(f: FieldDef, value: unknown): unknown {
  if (value === null || value === undefined || value === '') {
    if (f.type === 'boolean') return false;
    return null;
  }
  switch (f.type) {
    case 'datetime': {
      if (typeof value === 'number') return value;
      const ms = typeof value === 'string' ? parseDateTime(value) : null;
      if (ms === null) throw deserializeError(f, value, 'datetime');
      return ms;
    }
    case 'date': {
      const d = typeof value === 'string' ? parseDate(value.slice(0, 10)) : null;
      if (d === null) throw deserializeError(f, value, 'date');
      return d;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw deserializeError(f, value, 'boolean');
    case 'int':
    case 'double':
    case 'currency':
    case 'percent':
    case 'long': {
      const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
      if (!Number.isFinite(n)) throw deserializeError(f, value, f.type === 'int' ? 'int' : 'double');
      return f.type === 'int' || f.type === 'long' ? Math.trunc(n) : n;
    }
    case 'id':
    case 'reference': {
      const id = typeof value === 'string' ? normaliseId(value) : null;
      if (!id)
        throw new SimError(
          400,
          'MALFORMED_ID',
          `${String(f.describe.label ?? f.name)}: id value of incorrect type: ${String(value)}`,
          [f.name],
        );
      return id;
    }
    case 'base64': {
      if (typeof value === 'object' && value !== null && 'bytes' in value) {
        const b = value as { bytes: unknown; seed?: unknown };
        if (typeof b.bytes !== 'number' || !Number.isInteger(b.bytes) || b.bytes < 0)
          throw new SimError(400, 'INVALID_INPUT', `${f.name}.bytes must be a non-negative integer`);
        return { bytes: b.bytes, seed: String(b.seed ?? '') } satisfies BlobRef;
      }
      if (typeof value !== 'string') throw deserializeError(f, value, 'base64');
      const buf = Buffer.from(value, 'base64');
      return { bytes: buf.length, seed: '', data: buf.toString('base64') } satisfies BlobRef;
    }
    default:
      if (typeof value === 'string') return checkLength(f, value);
      if (typeof value === 'number' || typeof value === 'boolean') return checkLength(f, String(value));
      throw deserializeError(f, value, 'string');
  }
}

/** Stored value → REST JSON value (truth and retrieve of stored fields). */
export function toJsonValue(f: FieldDef, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (f.type === 'datetime' && typeof value === 'number') return restDateTime(value);
  if (f.type === 'base64' && typeof value === 'object') {
    const b = value as BlobRef;
    return { bytes: b.bytes, seed: b.seed };
  }
  return value;
}
