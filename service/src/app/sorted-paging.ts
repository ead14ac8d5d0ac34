/**
 * Pages of a list that is sorted in memory by a column the user picks (the object lists: a few hundred
 * objects per org, read whole from the registry). The cursor is the sort key of the last item shown —
 * the column's value and the API name that breaks ties — so a page starts right after it even when items
 * were added or removed meanwhile; it also names the column and direction, and a cursor given out for
 * another sort is refused (INVALID_CURSOR) rather than answered with a wrong page.
 *
 * Order: the column's value (numbers as numbers, text case-insensitively), empty values (null) last in both
 * directions, then the API name ascending.
 */
import { z } from 'zod';
import { AppError } from './app-error.js';
import { decodeCursor, encodeCursor, pageLimit, type Page } from './paging.js';

export type SortOrder = 'asc' | 'desc';
export type SortValue = string | number | null;

export interface SortRequest<K extends string> {
  sort: K;
  order: SortOrder;
  cursor?: string | undefined;
  limit?: number | undefined;
}

const sortCursor = z
  .object({
    s: z.string().min(1),
    o: z.enum(['asc', 'desc']),
    v: z.union([z.string(), z.number(), z.null()]),
    n: z.string().min(1),
  })
  .strict();

interface SortKey {
  value: SortValue;
  name: string;
}

function compareValues(a: SortValue, b: SortValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a).toLowerCase();
  const y = String(b).toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareKeys(a: SortKey, b: SortKey, order: SortOrder): number {
  if (a.value === null || b.value === null) {
    if (a.value !== b.value) return a.value === null ? 1 : -1;
  } else {
    const byValue = compareValues(a.value, b.value);
    if (byValue !== 0) return order === 'asc' ? byValue : -byValue;
  }
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * One page of `items` sorted by `valueOf(item, sort)`; `nameOf` is the unique API name that breaks ties and
 * that the cursor remembers.
 */
export function sortedPage<T, K extends string>(
  items: readonly T[],
  request: SortRequest<K>,
  valueOf: (item: T, sort: K) => SortValue,
  nameOf: (item: T) => string,
): Page<T> {
  const { sort, order } = request;
  const keyOf = (item: T): SortKey => ({ value: valueOf(item, sort), name: nameOf(item) });
  let after: SortKey | undefined;
  if (request.cursor !== undefined) {
    const c = decodeCursor(request.cursor, sortCursor);
    if (c.s !== sort || c.o !== order)
      throw new AppError(
        'INVALID_CURSOR',
        `cursor: it continues the list sorted by ${c.s} ${c.o}, not by ${sort} ${order}; start again without it`,
      );
    after = { value: c.v, name: c.n };
  }
  const sorted = items
    .map((item) => ({ item, key: keyOf(item) }))
    .filter(({ key }) => after === undefined || compareKeys(key, after, order) > 0)
    .sort((a, b) => compareKeys(a.key, b.key, order));
  const limit = pageLimit(request.limit);
  const page = sorted.slice(0, limit);
  const last = page[page.length - 1];
  const next =
    sorted.length > limit && last
      ? encodeCursor({ s: sort, o: order, v: last.key.value, n: last.key.name })
      : null;
  return { items: page.map((p) => p.item), next };
}
