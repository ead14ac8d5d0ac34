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

/** Rows strictly after the cursor in (field, Id) order: ties on one second are continued by Id, never skipped. */
export function afterCursor(field: string, cursor: PackCursor | null): string | undefined {
  if (!cursor) return undefined;
  const ts = soqlDatetime(cursor.systemModstamp);
  // A cursor at the largest Id closes its whole second.
  if (cursor.id === 'zzzzzzzzzzzzzzzAAA') return `${field} > ${ts}`;
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
  orderBy?: boolean;
  limit?: number;
}): string {
  const where = [
    options.from
      ? `${options.cursorField} >= ${soqlDatetime(options.from)}`
      : afterCursor(options.cursorField, options.after),
    `${options.cursorField} <= ${soqlDatetime(options.upTo)}`,
  ].filter((c): c is string => c !== undefined);
  return [
    `SELECT ${options.fields.join(', ')} FROM ${options.object}`,
    `WHERE ${where.join(' AND ')}`,
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
  const where = [afterCursor(cursorField, after), `${cursorField} <= ${soqlDatetime(upTo)}`].filter(Boolean);
  return `SELECT COUNT() FROM ${object} WHERE ${where.join(' AND ')}`;
}
