/**
 * Checks the "Auto Backup Exclusions" text before it goes to the service: a comma-separated list
 * of object API names. Returns the trimmed names and one message per problem found; the service
 * still decides whether each name is an object of the org (UNKNOWN_OBJECT).
 *
 * Example: parseExclusions('Account, , Bad-Name, account') →
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
  const trimmed = (text || '').trim();
  if (trimmed === '') {
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
