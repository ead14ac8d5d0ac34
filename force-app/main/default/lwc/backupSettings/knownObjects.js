import getObjects from '@salesforce/apex/AutoBackupObjectsController.getObjects';
import getExcludedObjects from '@salesforce/apex/AutoBackupObjectsController.getExcludedObjects';

const PAGE_SIZE = 1000;
// An org has a few thousand objects at most; this only stops a cursor that never ends.
const MAX_PAGES = 20;

/**
 * The objects the service knows for the org, as the exclusions field needs them: `suggestible`, the
 * objects it backs up or would back up ({ name, label }, suggested as the user types), and `known`,
 * the lower-case API names of every object it listed, those it cannot back up included — the names
 * the service accepts as exclusions.
 */
export async function loadKnownObjects() {
  const [listed, excluded] = await Promise.all([
    everyPage((cursor) =>
      getObjects({
        status: null,
        query: null,
        filesOnly: false,
        sortBy: null,
        sortOrder: null,
        cursor,
        pageSize: PAGE_SIZE,
      }),
    ),
    everyPage((cursor) => getExcludedObjects({ sortBy: null, sortOrder: null, cursor, pageSize: PAGE_SIZE })),
  ]);
  const suggestible = listed.map((item) => ({ name: item.name, label: item.label || item.name }));
  const known = new Set(suggestible.map((item) => item.name.toLowerCase()));
  for (const item of excluded) {
    known.add(item.name.toLowerCase());
  }
  return { suggestible, known };
}

/** The items of every page `requestPage(cursor)` answers, following `next`. */
async function everyPage(requestPage) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    // One page after the other: each needs the cursor of the one before.
    const answer = await requestPage(cursor);
    items.push(...((answer && answer.items) || []));
    cursor = answer && answer.next;
    if (!cursor) {
      break;
    }
  }
  return items;
}
