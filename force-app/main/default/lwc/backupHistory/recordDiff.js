/**
 * What changed between consecutive backed-up versions of one record. Versions come newest first
 * (as the service returns them); each is compared with the one before it in time.
 * SystemModstamp and LastModifiedDate are left out of the comparison: they change with every
 * version and the version's own time already shows them.
 *
 * Example: describeVersions([{ systemModstamp: t2, fields: { Name: 'B' } }, { systemModstamp: t1, fields: { Name: 'A' } }])
 *   → [{ ..., changes: [{ field: 'Name', before: 'A', after: 'B' }] }, { ..., isFirst: true, ... }]
 */
const NOT_COMPARED = new Set(['attributes', 'SystemModstamp', 'LastModifiedDate']);

export const EMPTY_VALUE = '(empty)';

/** A field value as text: empty values read "(empty)", objects (addresses, locations) as JSON. */
export function displayValue(value) {
  if (value === null || value === undefined || value === '') {
    return EMPTY_VALUE;
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

/** The field-level changes from `older` to `newer` (both field maps), sorted by field name. */
export function diffFields(older, newer) {
  const names = new Set([...comparedFields(older), ...comparedFields(newer)]);
  return Array.from(names)
    .sort((a, b) => a.localeCompare(b))
    .filter((name) => !sameValue((older || {})[name], (newer || {})[name]))
    .map((name) => ({
      field: name,
      before: displayValue((older || {})[name]),
      after: displayValue((newer || {})[name]),
    }));
}

/** Each version with its changes against the previous one; the oldest lists its values instead. */
export function describeVersions(items) {
  if (!Array.isArray(items)) {
    throw new TypeError('versions must be a list');
  }
  return items.map((version, index) => {
    const previous = items[index + 1];
    const isFirst = previous === undefined;
    const changes = isFirst ? [] : diffFields(previous.fields, version.fields);
    const values = isFirst
      ? comparedFields(version.fields)
          .sort((a, b) => a.localeCompare(b))
          .map((name) => ({ field: name, value: displayValue(version.fields[name]) }))
      : [];
    return {
      key: `${version.systemModstamp}-${index}`,
      systemModstamp: version.systemModstamp,
      deleted: version.deleted === true,
      undeleted: !isFirst && previous.deleted === true && version.deleted !== true,
      isFirst,
      changes,
      values,
    };
  });
}
