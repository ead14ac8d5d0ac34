/**
 * Checks the "Auto Backup Exclusions" text before it goes to the service: a comma-separated list
 * of object API names. Returns the trimmed names and one message per problem found. Whether each
 * name is an object of the org is checked against the objects the service knows (unknownNames);
 * the service decides again on save (UNKNOWN_OBJECT).
 *
 * A separator after the last name is allowed (picking a suggestion leaves one, ready for the next
 * name); an empty entry between names is reported.
 *
 * Example: parseExclusions('Account, , Bad-Name, account,') →
 *   { names: ['Account', 'Bad-Name', 'account'], errors: [
 *       'Entry 2 is empty: remove the extra comma.',
 *       '"Bad-Name" is not a valid API name: use letters, digits and underscores, starting with a letter.',
 *       '"account" is listed more than once.' ] }
 */
const API_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export function parseExclusions(text) {
  if (text !== undefined && text !== null && typeof text !== 'string') {
    throw new TypeError(`exclusions must be text, got ${typeof text}`);
  }
  const trimmed = (text || '').trim().replace(/,\s*$/, '');
  if (trimmed.trim() === '') {
    return { names: [], errors: [] };
  }
  const names = [];
  const errors = [];
  const seen = new Set();
  const reportedTwice = new Set();
  trimmed.split(',').forEach((part, index) => {
    const name = part.trim();
    if (name === '') {
      errors.push(`Entry ${index + 1} is empty: remove the extra comma.`);
      return;
    }
    names.push(name);
    if (!API_NAME.test(name)) {
      errors.push(
        `"${name}" is not a valid API name: use letters, digits and underscores, starting with a letter.`,
      );
      return;
    }
    // The service matches names case-insensitively, so Account and account are the same object.
    const key = name.toLowerCase();
    if (seen.has(key)) {
      if (!reportedTwice.has(key)) {
        reportedTwice.add(key);
        errors.push(`"${name}" is listed more than once.`);
      }
      return;
    }
    seen.add(key);
  });
  return { names, errors };
}

/**
 * The well-formed names that are not objects of the org, as the service matches them: by API name,
 * in any case, among every object it listed (backed up or not). `known` is a Set of lower-case names.
 */
export function unknownNames(names, known) {
  const unknown = [];
  for (const name of names) {
    const key = name.toLowerCase();
    if (API_NAME.test(name) && !known.has(key) && !unknown.some((u) => u.toLowerCase() === key)) {
      unknown.push(name);
    }
  }
  return unknown;
}

/** The inline message naming the unknown names, or undefined when there are none. */
export function unknownNamesMessage(unknown) {
  if (unknown.length === 0) {
    return undefined;
  }
  const quoted = unknown.map((name) => `"${name}"`).join(', ');
  const subject = unknown.length === 1 ? `${quoted} is not an object` : `${quoted} are not objects`;
  return (
    `${subject} of this org as of Auto Backup's last schema scan: check the spelling, or pick a name ` +
    'from the suggestions. Objects created since then are listed after the next scan (within the hour).'
  );
}
