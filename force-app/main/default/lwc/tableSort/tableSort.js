/**
 * Sortable table headers, as the SLDS data table blueprint draws them (slds-is-sortable, a button in
 * each sortable header, the sorted column's arrow): what a click asks for, the header state the
 * template renders, and the sentence a live region announces after the sort changed.
 *
 * A column is `{ key, label, sortable, firstOrder, align }`: `key` is the sort key sent to the service
 * (or used by the component itself), `firstOrder` the direction of the first click ('desc' for
 * counts and times, where the largest or newest is what one looks for; 'asc' for names).
 * A second click on the sorted column reverses it.
 *
 * aria-sort is set on the sorted column only (WAI-ARIA: one header at a time); the others leave it
 * out, which means "not sorted".
 *
 * Example: `this.sort = nextSort(this.sort, COLUMNS, 'records')` → `{ sortBy: 'records', sortOrder: 'desc' }`;
 *          `sortableHeaders(COLUMNS, this.sort)` → header objects for `for:each`.
 */
const ORDER_WORDS = { asc: 'ascending', desc: 'descending' };

/** The sort after a click on the column `key`: reversed when it is the sorted one, else its first order. */
export function nextSort(current, columns, key) {
  const column = columns.find((candidate) => candidate.key === key);
  if (!column || !column.sortable) {
    throw new Error(`The column "${key}" cannot be sorted.`);
  }
  if (current && current.sortBy === key) {
    return { sortBy: key, sortOrder: current.sortOrder === 'asc' ? 'desc' : 'asc' };
  }
  return { sortBy: key, sortOrder: column.firstOrder || 'asc' };
}

/** What a screen reader hears once the table is sorted: "Sorted by Records, descending". */
export function sortAnnouncement(columns, sort) {
  const column = columns.find((candidate) => candidate.key === sort.sortBy);
  return column ? `Sorted by ${column.label}, ${ORDER_WORDS[sort.sortOrder]}` : '';
}

/** The headers the template renders, one per column, with their SLDS classes and aria-sort. */
export function sortableHeaders(columns, sort) {
  return columns.map((column) => {
    const sorted = Boolean(column.sortable) && sort && sort.sortBy === column.key;
    const classes = [];
    if (column.sortable) {
      classes.push('slds-is-sortable');
    }
    if (sorted) {
      classes.push('slds-is-sorted', `slds-is-sorted_${sort.sortOrder}`);
    }
    if (column.align === 'right') {
      classes.push('slds-text-align_right');
    }
    const nextOrder = sorted ? (sort.sortOrder === 'asc' ? 'desc' : 'asc') : column.firstOrder || 'asc';
    return {
      key: column.key,
      label: column.label,
      sortable: Boolean(column.sortable),
      sorted,
      thClass: classes.join(' '),
      ariaSort: sorted ? ORDER_WORDS[sort.sortOrder] : null,
      iconName: sorted && sort.sortOrder === 'asc' ? 'utility:arrowup' : 'utility:arrowdown',
      buttonTitle: `Sort by ${column.label}, ${ORDER_WORDS[nextOrder]}`,
      buttonClass: `slds-th__action slds-text-link_reset sort-button${column.align === 'right' ? ' slds-grid_align-end' : ''}`,
    };
  });
}
