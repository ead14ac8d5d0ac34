import { LightningElement, api } from 'lwc';
import getExcludedObjects from '@salesforce/apex/AutoBackupObjectsController.getExcludedObjects';
import { PagedListLoader, isLoadedEmpty } from 'c/dataLoader';
import { formatNumber } from 'c/backupFormat';
import { nextSort, sortAnnouncement, sortableHeaders } from 'c/tableSort';

/** Objects shown at a time, as the other lists page. */
export const PAGE_SIZE = 50;

/** The table's columns; `key` is the service's sort column (the reason is not sorted). */
export const COLUMNS = [
  { key: 'label', label: 'Object', sortable: true },
  { key: 'name', label: 'API name', sortable: true },
  { key: 'reason', label: 'Why it is not backed up', sortable: false },
];

export const DEFAULT_SORT = { sortBy: 'name', sortOrder: 'asc' };

/**
 * What makes an object supported, as the admin guide says it (docs/admin-guide.md, "7. What is and is
 * not backed up", "Which objects are supported"): shown under the list, so a Lightning user reads it
 * where the question comes up. The admin guide has no address inside Salesforce (the package names
 * no public host for its documentation), so the rules are here in full rather than behind a link.
 */
export const SUPPORT_RULES = [
  'The integration user can read it, and Salesforce lets an API client query it in full, without a filter on an Id, a parent or a user.',
  'It stores records: change events (…ChangeEvent), platform events (__e), external objects (__x) and computed views such as UserRecordAccess hold no records of their own in the org.',
  'Each record has a SystemModstamp (or, for records that never change, such as field history, a CreatedDate), so new and changed records can be found incrementally.',
  'It is not a big object (__b, queried only by its index) or a custom metadata type (__mdt, metadata that ships with deployments).',
];

/**
 * Objects Auto Backup does not back up because they cannot be backed up (not stored records, no
 * usable timestamp, API restrictions), each with the reason; how many there are; and what
 * "supported" means. Sorted by API name or label (by the service, so each page continues the
 * order; the sorted column carries aria-sort and the change is announced) and paged with "Load
 * more" like the other lists.
 */
export default class ExcludedObjectList extends LightningElement {
  @api pageSize = PAGE_SIZE;

  items = [];
  next = null;
  total = null;
  sort = DEFAULT_SORT;
  sortMessage = '';
  loading = false;
  loadingMore = false;
  loaded = false;
  error;

  supportRules = SUPPORT_RULES.map((text, index) => ({ key: `rule-${index}`, text }));

  pages = new PagedListLoader(this, async (cursor) => {
    const page = await getExcludedObjects({
      sortBy: this.sort.sortBy,
      sortOrder: this.sort.sortOrder,
      cursor,
      pageSize: this.pageSize,
    });
    if (page && typeof page.total === 'number') {
      this.total = page.total;
    }
    return page;
  });

  connectedCallback() {
    this.pages.reload();
  }

  get headers() {
    return sortableHeaders(COLUMNS, this.sort);
  }

  get hasItems() {
    return this.items.length > 0;
  }

  get hasMore() {
    return Boolean(this.next);
  }

  get showSpinner() {
    return this.loading;
  }

  /** The spinner covers the table while a new sort loads; with no table yet it needs room of its own. */
  get spinnerNeedsRoom() {
    return this.items.length === 0;
  }

  get showEmpty() {
    return isLoadedEmpty(this, this.items);
  }

  get hasTotal() {
    return this.total !== null && this.total > 0;
  }

  /** "3 objects are not backed up because they cannot be" (the whole list, not the page). */
  get totalText() {
    return this.total === 1
      ? '1 object is not backed up because it cannot be'
      : `${formatNumber(this.total)} objects are not backed up because they cannot be`;
  }

  /** "Showing 50 of 120" while more pages are left. */
  get shownText() {
    return this.hasMore ? `Showing ${formatNumber(this.items.length)} of ${formatNumber(this.total)}.` : '';
  }

  handleSort(event) {
    this.sort = nextSort(this.sort, COLUMNS, event.currentTarget.dataset.key);
    this.sortMessage = sortAnnouncement(COLUMNS, this.sort);
    // The same rows in a new order: they stay (and the header button keeps the focus) until it arrives.
    this.pages.reload({ keepItems: true });
  }

  handleLoadMore() {
    this.pages.loadMore();
  }

  handleRetry() {
    this.pages.reload();
  }
}
