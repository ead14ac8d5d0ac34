/**
 * How SOQL compares values of one field (SOQL and SOSL Reference, "ORDER BY",
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_orderby.htm):
 * text case-insensitively; a picklist by the order its values are defined in ("Picklist sorting is
 * defined by the picklist sort determined during setup"), which MIN() and MAX() use too (Aggregate
 * Functions); everything else by value.
 */
import type { FieldDef, Row } from '../org/schema/model.js';

export type ValueCompare = (a: unknown, b: unknown) => number;

const NOT_TEXT = new Set([
  'int',
  'double',
  'currency',
  'percent',
  'long',
  'datetime',
  'boolean',
  'id',
  'reference',
]);

const byValue: ValueCompare = (a, b) =>
  (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;

const caseInsensitive: ValueCompare = (a, b) =>
  typeof a === 'string' && typeof b === 'string' ? byValue(a.toUpperCase(), b.toUpperCase()) : byValue(a, b);

/** Compares two non-null values of `field` (null: a computed value, compared as is). */
export function valueCompare(field: FieldDef | null): ValueCompare {
  if (!field) return byValue;
  if (field.type === 'picklist' && field.picklist) {
    const rank = new Map(field.picklist.map((v, i) => [v, i]));
    // A value outside the defined set (an unrestricted picklist) sorts after the defined ones.
    return (a, b) => {
      const ra = rank.get(String(a)) ?? Infinity;
      const rb = rank.get(String(b)) ?? Infinity;
      return ra !== rb ? (ra < rb ? -1 : 1) : caseInsensitive(a, b);
    };
  }
  return NOT_TEXT.has(field.type) ? byValue : caseInsensitive;
}

/** An ORDER BY key: direction and null placement (NULLS FIRST by default when ascending). */
export function orderCompare(
  compare: ValueCompare,
  desc: boolean,
  nulls: 'FIRST' | 'LAST' | undefined,
): ValueCompare {
  const nullsFirst = nulls ? nulls === 'FIRST' : !desc;
  return (a, b) => {
    if (a === null || a === undefined || b === null || b === undefined) {
      const an = a === null || a === undefined;
      const bn = b === null || b === undefined;
      if (an && bn) return 0;
      return an === nullsFirst ? -1 : 1;
    }
    const r = compare(a, b);
    return desc ? -r : r;
  };
}

/** Whether valueCompare(field) compares by value (not text, not a picklist's defined order). */
export function comparesByValue(field: FieldDef | null): boolean {
  return !field || NOT_TEXT.has(field.type);
}

/**
 * The order of `orderCompare(byValue, desc, nulls)` on rows' stored field `name` (read as `row[name] ?? null`),
 * in one function: sorting a query's rows by SystemModstamp and Id calls it n log n times.
 */
export function storedFieldOrder(
  name: string,
  desc: boolean,
  nulls: 'FIRST' | 'LAST' | undefined,
): (a: Row, b: Row) => number {
  const nullsFirst = nulls ? nulls === 'FIRST' : !desc;
  return (ra, rb) => {
    const a = ra[name] ?? null;
    const b = rb[name] ?? null;
    if (a === null || b === null) {
      if (a === null && b === null) return 0;
      return (a === null) === nullsFirst ? -1 : 1;
    }
    const r = (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    return desc ? -r : r;
  };
}
