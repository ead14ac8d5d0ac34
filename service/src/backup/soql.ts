/** SOQL text for the backup's windows: cursor predicates and literals in Salesforce's formats. */
import type { PackCursor } from '../store/packs/pack-format.js';

/** A SOQL datetime literal (whole seconds, UTC): 2024-01-02T03:04:05Z. */
export function soqlDatetime(iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(d.getTime())) throw new Error(`not a datetime: ${String(iso)}`);
  return `${d.toISOString().slice(0, 19)}Z`;
}

export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The largest valid 18-character Id in byte order (15 × 'z'; no capitals, so checksum 'AAA'): a cursor at
 * (t, MAX_ID) means "everything at or before t is stored".
 */
export const MAX_ID = 'zzzzzzzzzzzzzzzAAA';

/** Rows strictly after the cursor in (field, Id) order: ties on one second are continued by Id, never skipped. */
export function afterCursor(field: string, cursor: PackCursor | null): string | undefined {
  if (!cursor) return undefined;
  const ts = soqlDatetime(cursor.systemModstamp);
  // A cursor at the largest Id closes its whole second.
  if (cursor.id === MAX_ID) return `${field} > ${ts}`;
  return `(${field} > ${ts} OR (${field} = ${ts} AND Id > ${soqlString(cursor.id)}))`;
}

export function selectWindow(options: {
  object: string;
  fields: string[];
  cursorField: string;
  after: PackCursor | null;
  /** Inclusive upper bound of the window (whole seconds). */
  upTo: Date;
  /** Inclusive lower bound used instead of `after` for overlap re-reads. */
  from?: Date;
  /** A further condition, e.g. the parent Id filter Salesforce demands for some objects. */
  filter?: string;
  orderBy?: boolean;
  limit?: number;
}): string {
  const bounds = windowWhere(options.cursorField, options.after, options.upTo, options.from);
  const where = options.filter ? `${options.filter} AND ${bounds}` : bounds;
  return [
    `SELECT ${options.fields.join(', ')} FROM ${options.object}`,
    `WHERE ${where}`,
    options.orderBy === false ? '' : `ORDER BY ${options.cursorField} ASC, Id ASC`,
    options.limit ? `LIMIT ${options.limit}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

export function countWindow(
  object: string,
  cursorField: string,
  after: PackCursor | null,
  upTo: Date,
): string {
  return `SELECT COUNT() FROM ${object} WHERE ${windowWhere(cursorField, after, upTo)}`;
}

/** The WHERE bounds of a window: after the cursor (or from an overlap start), up to `upTo` inclusive. */
function windowWhere(cursorField: string, after: PackCursor | null, upTo: Date, from?: Date): string {
  return [
    from ? `${cursorField} >= ${soqlDatetime(from)}` : afterCursor(cursorField, after),
    `${cursorField} <= ${soqlDatetime(upTo)}`,
  ]
    .filter((c): c is string => c !== undefined)
    .join(' AND ');
}
