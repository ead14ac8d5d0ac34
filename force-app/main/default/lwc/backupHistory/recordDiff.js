/**
 * What changed between consecutive backed-up versions of one record. Versions come newest first
 * (as the service returns them); each is compared with the one before it in time.
 * SystemModstamp and LastModifiedDate are left out of the comparison: they change with every
 * version and the version's own time already shows them.
 *
 * Fields carry their label (from the object's describe, in the user's language) and their API name;
 * values are formatted by the field's type (fieldFormat.js). A classic encrypted field the user may
 * not read in clear arrives as MASKED_VALUE (Apex masks it for users without View Encrypted Data)
 * and is shown as MASKED_TEXT; its changes cannot be seen. When older versions exist that are not
 * loaded yet, the oldest loaded version is not the first: it is marked `olderNotLoaded` instead of
 * listing its values as the first version.
 *
 * `fields` maps API names to their description `{ label, type, scale, picklistValues }` (a field
 * without one shows its API name and its value by JSON type); `context` is `{ locale, timeZone,
 * currency }`, the currency being the user's default: a record with a CurrencyIsoCode (multi-currency
 * orgs) shows its amounts in that currency.
 *
 * Example: describeVersions([{ systemModstamp: t2, fields: { Name: 'B' } }, { systemModstamp: t1, fields: { Name: 'A' } }])
 *   → [{ ..., changes: [{ field: 'Name', before: 'A', after: 'B' }] }, { ..., isFirst: true, ... }]
 */
import { formatFieldValue, isEmptyValue } from './fieldFormat';

export { EMPTY_VALUE, MASKED_TEXT, MASKED_VALUE } from './fieldFormat';

const NOT_COMPARED = new Set(['attributes', 'SystemModstamp', 'LastModifiedDate']);

function sameValue(a, b) {
  const emptyA = isEmptyValue(a);
  const emptyB = isEmptyValue(b);
  if (emptyA || emptyB) {
    return emptyA && emptyB;
  }
  if (typeof a === 'object' || typeof b === 'object') {
    return JSON.stringify(a) === JSON.stringify(b);
  }
  return a === b;
}

function comparedFields(fields) {
  return Object.keys(fields || {}).filter((name) => !NOT_COMPARED.has(name));
}

/** `name` with its label: `{ field, label }`, the label falling back to the API name. */
function named(name, fields) {
  const description = fields && fields[name];
  const label = (description && description.label) || name;
  return { field: name, label, showApiName: label !== name };
}

/** Sorts field names by label (then API name), as the user reads them. */
function byLabel(fields) {
  return (a, b) => named(a, fields).label.localeCompare(named(b, fields).label) || a.localeCompare(b);
}

/** The context a version's values are formatted in: its own currency when it has one. */
function versionContext(values, context) {
  const code = values && values.CurrencyIsoCode;
  return typeof code === 'string' && code !== '' ? { ...context, currency: code } : context;
}

/**
 * The field-level changes from `older` to `newer` (both field maps), sorted by label, each value
 * formatted by its field's type.
 */
export function diffFields(older, newer, fields = {}, context = {}) {
  const names = new Set([...comparedFields(older), ...comparedFields(newer)]);
  const olderContext = versionContext(older, context);
  const newerContext = versionContext(newer, context);
  return Array.from(names)
    .sort(byLabel(fields))
    .filter((name) => !sameValue((older || {})[name], (newer || {})[name]))
    .map((name) => ({
      ...named(name, fields),
      before: formatFieldValue((older || {})[name], fields[name], olderContext),
      after: formatFieldValue((newer || {})[name], fields[name], newerContext),
    }));
}

/**
 * Each version with its changes against the previous one. The oldest lists its values instead
 * (`isFirst`) when `complete` (no older page exists); otherwise it is `olderNotLoaded`.
 */
export function describeVersions(items, { fields = {}, context = {}, complete = true } = {}) {
  if (!Array.isArray(items)) {
    throw new TypeError('versions must be a list');
  }
  return items.map((version, index) => {
    const previous = items[index + 1];
    const isOldest = previous === undefined;
    const isFirst = isOldest && complete;
    const changes = isOldest ? [] : diffFields(previous.fields, version.fields, fields, context);
    const ownContext = versionContext(version.fields, context);
    const values = isFirst
      ? comparedFields(version.fields)
          .sort(byLabel(fields))
          .map((name) => ({
            ...named(name, fields),
            value: formatFieldValue(version.fields[name], fields[name], ownContext),
          }))
      : [];
    return {
      key: `${version.systemModstamp}-${index}`,
      systemModstamp: version.systemModstamp,
      deleted: version.deleted === true,
      undeleted: !isOldest && previous.deleted === true && version.deleted !== true,
      isFirst,
      olderNotLoaded: isOldest && !complete,
      changes,
      values,
    };
  });
}
