/**
 * Which fields an aggregate function takes (SOQL and SOSL Reference, "Support for Field Types in
 * Aggregate Functions",
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_agg_functions_field_types.htm):
 * AVG() and SUM() numbers only; COUNT(), COUNT_DISTINCT(), MIN() and MAX() also text, dates and Ids;
 * none of them booleans, base64, multi-select picklists, encrypted strings, times, compounds or
 * anyType. A field whose describe says `aggregatable: false` (long text areas) takes none. Salesforce
 * answers `field X does not support aggregate operator FN` (MALFORMED_QUERY).
 */
import type { FieldDef } from '../org/schema/model.js';

export const AGGREGATE_FUNCTIONS = new Set(['COUNT', 'COUNT_DISTINCT', 'SUM', 'AVG', 'MIN', 'MAX']);

const NUMERIC = new Set(['int', 'double', 'currency', 'percent', 'long']);
const NEVER = new Set([
  'boolean',
  'base64',
  'multipicklist',
  'encryptedstring',
  'time',
  'address',
  'location',
  'anyType',
]);

/** The error text when `fn` cannot aggregate `field`, or null when it can. */
export function aggregateRefusal(fn: string, field: FieldDef | null): string | null {
  if (!field) return null;
  const ok =
    field.describe.aggregatable !== false &&
    !NEVER.has(field.type) &&
    (fn === 'SUM' || fn === 'AVG' ? NUMERIC.has(field.type) : true);
  return ok ? null : `field ${field.name} does not support aggregate operator ${fn}`;
}
