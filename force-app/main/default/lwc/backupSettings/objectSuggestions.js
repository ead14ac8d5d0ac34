/**
 * Suggestions for the exclusions field: the entry the caret is in, the objects whose API name or
 * label contains what is typed there, and the text once one of them is picked.
 *
 * Example: entryAt('Task, Acc', 9) → { start: 5, end: 9, text: 'Acc' }
 *          pickInto('Task, Acc', { start: 5, end: 9 }, 'Account') → { text: 'Task, Account, ', caret: 15 }
 */
export const MAX_SUGGESTIONS = 8;

/** The comma-separated entry around `caret`: its bounds in `text` and its trimmed text. */
export function entryAt(text, caret) {
  const value = text || '';
  const at = Math.max(
    0,
    Math.min(caret === undefined || caret === null ? value.length : caret, value.length),
  );
  const start = value.lastIndexOf(',', at - 1) + 1;
  const comma = value.indexOf(',', at);
  const end = comma === -1 ? value.length : comma;
  return { start, end, text: value.slice(start, end).trim() };
}

/**
 * Up to MAX_SUGGESTIONS objects for `typed`: API names starting with it first, then labels starting
 * with it, then names or labels containing it, each alphabetical; names in `listed` (lower case)
 * are left out, except the one being typed.
 */
export function suggestionsFor(typed, objects, listed) {
  const needle = (typed || '').trim().toLowerCase();
  if (needle === '') {
    return [];
  }
  const rank = (object) => {
    const name = object.name.toLowerCase();
    const label = (object.label || '').toLowerCase();
    if (name.startsWith(needle)) return 0;
    if (label.startsWith(needle)) return 1;
    if (name.includes(needle) || label.includes(needle)) return 2;
    return -1;
  };
  return objects
    .filter((object) => !listed.has(object.name.toLowerCase()) || object.name.toLowerCase() === needle)
    .map((object) => ({ object, rank: rank(object) }))
    .filter((entry) => entry.rank >= 0)
    .sort((a, b) => a.rank - b.rank || (a.object.name < b.object.name ? -1 : 1))
    .slice(0, MAX_SUGGESTIONS)
    .map((entry) => entry.object);
}

/**
 * `text` with the entry at `entry` replaced by `name`, and where the caret goes: after the name and
 * a following ", " when it was the last entry (ready for the next one), else after the name.
 */
export function pickInto(text, entry, name) {
  const value = text || '';
  const before = value.slice(0, entry.start);
  const after = value.slice(entry.end);
  const lead = entry.start === 0 ? '' : ' ';
  if (after.trim() === '') {
    const result = `${before}${lead}${name}, `;
    return { text: result, caret: result.length };
  }
  const result = `${before}${lead}${name}${after}`;
  return { text: result, caret: before.length + lead.length + name.length };
}
