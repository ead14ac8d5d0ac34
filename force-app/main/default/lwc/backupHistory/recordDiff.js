/**
 * What changed between consecutive backed-up versions of one record. Versions come newest first
 * (as the service returns them); each is compared with the one before it in time.
 * SystemModstamp and LastModifiedDate are left out of the comparison: they change with every
 * version and the version's own time already shows them.
 *
 * Fields carry their label (from the object's describe, in the user's language) and their API name.
 * A classic encrypted field the user may not read in clear arrives as MASKED_VALUE (Apex masks it
 * for users without View Encrypted Data) and is shown as MASKED_TEXT; its changes cannot be seen.
 * When older versions exist that are not loaded yet, the oldest loaded version is not the first:
 * it is marked `olderNotLoaded` instead of listing its values as the first version.
 *
 * Example: describeVersions([{ systemModstamp: t2, fields: { Name: 'B' } }, { systemModstamp: t1, fields: { Name: 'A' } }])
 *   → [{ ..., changes: [{ field: 'Name', before: 'A', after: 'B' }] }, { ..., isFirst: true, ... }]
 */
const NOT_COMPARED = new Set(['attributes', 'SystemModstamp', 'LastModifiedDate']);

export const EMPTY_VALUE = '(empty)';
/** What AutoBackupHistoryController.MASKED_VALUE puts in place of an encrypted value. */
export const MASKED_VALUE = '********';
/** How a masked value reads. */
export const MASKED_TEXT = 'Hidden: encrypted field (needs View Encrypted Data)';

/** A field value as text: empty values read "(empty)", objects (addresses, locations) as JSON. */
export function displayValue(value) {
  if (value === null || value === undefined || value === '') {
    return EMPTY_VALUE;
  }
  if (value === MASKED_VALUE) {
    return MASKED_TEXT;
  }
  if (typeof value === 'object') {
    return JSON.stringify(value);
  }
  return String(value);
}

function sameValue(a, b) {
  const emptyA = a === null || a === undefined || a === '';
  const emptyB = b === null || b === undefined || b === '';
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
function named(name, labels) {
  const label = (labels && labels[name]) || name;
  return { field: name, label, showApiName: label !== name };
}

/** Sorts field names by label (then API name), as the user reads them. */
function byLabel(labels) {
  return (a, b) => named(a, labels).label.localeCompare(named(b, labels).label) || a.localeCompare(b);
}

/**
 * The field-level changes from `older` to `newer` (both field maps), sorted by label. `labels`
 * maps API names to labels (fields without one show their API name).
 */
export function diffFields(older, newer, labels = {}) {
  const names = new Set([...comparedFields(older), ...comparedFields(newer)]);
  return Array.from(names)
    .sort(byLabel(labels))
    .filter((name) => !sameValue((older || {})[name], (newer || {})[name]))
    .map((name) => ({
      ...named(name, labels),
      before: displayValue((older || {})[name]),
      after: displayValue((newer || {})[name]),
    }));
}

/**
 * Each version with its changes against the previous one. The oldest lists its values instead
 * (`isFirst`) when `complete` (no older page exists); otherwise it is `olderNotLoaded`.
 */
export function describeVersions(items, { labels = {}, complete = true } = {}) {
  if (!Array.isArray(items)) {
    throw new TypeError('versions must be a list');
  }
  return items.map((version, index) => {
    const previous = items[index + 1];
    const isOldest = previous === undefined;
    const isFirst = isOldest && complete;
    const changes = isOldest ? [] : diffFields(previous.fields, version.fields, labels);
    const values = isFirst
      ? comparedFields(version.fields)
          .sort(byLabel(labels))
          .map((name) => ({ ...named(name, labels), value: displayValue(version.fields[name]) }))
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
