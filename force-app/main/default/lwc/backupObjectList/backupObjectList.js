import { LightningElement, api } from 'lwc';
import getObjects from '@salesforce/apex/AutoBackupObjectsController.getObjects';
import { OBJECT_STATUSES, objectStatusLegend } from 'c/backupStatus';
import { PagedListLoader, isLoadedEmpty } from 'c/dataLoader';
import { formatBytes, formatNumber } from 'c/backupFormat';
import { nextSort, sortAnnouncement, sortableHeaders } from 'c/tableSort';

export const PAGE_SIZE = 50;
export const SEARCH_DELAY_MS = 300;

const ALL_STATUSES = '';
const ALL_OBJECTS = 'all';
const FILE_OBJECTS = 'files';

/** The table's columns; `key` is the service's sort column. Counts and times sort largest/newest first. */
export const COLUMNS = [
  { key: 'label', label: 'Object', sortable: true },
  { key: 'status', label: 'Status', sortable: true },
  { key: 'records', label: 'Records', sortable: true, firstOrder: 'desc', align: 'right' },
  { key: 'versions', label: 'Versions', sortable: true, firstOrder: 'desc', align: 'right' },
  { key: 'files', label: 'Files', sortable: true, firstOrder: 'desc', align: 'right' },
  { key: 'lastBackupAt', label: 'Last backup', sortable: true, firstOrder: 'desc' },
  { key: 'caughtUpTo', label: 'Caught up to', sortable: true, firstOrder: 'desc' },
];

export const DEFAULT_SORT = { sortBy: 'label', sortOrder: 'asc' };

/**
 * The objects Auto Backup knows about, records and files together: status badge (and why a Waiting
 * object waits), record and version counts, the files and their size of the file objects
 * (ContentVersion, Attachment, Document), last backup and the point each object is caught up to.
 *
 * A header line counts the whole list ("43 objects · 3 not supported · 4,400 files, 1.5 MB in 3 file
 * objects"); filter by status or to the file objects, search by name (debounced), sort by any column
 * (the service sorts, so every page continues the same order; the sorted column carries aria-sort
 * and the new order is announced) and page through with "Load more". Used in its own tab and
 * embedded in the dashboard.
 */
export default class BackupObjectList extends LightningElement {
  @api pageSize = PAGE_SIZE;

  items = [];
  next = null;
  summary;
  status = ALL_STATUSES;
  show = ALL_OBJECTS;
  query = '';
  sort = DEFAULT_SORT;
  sortMessage = '';
  loading = false;
  loadingMore = false;
  error;
  loaded = false;

  // Only the newest request may change the list: an older answer (of a search, a sort) is dropped.
  pages = new PagedListLoader(this, async (cursor) => {
    const page = await getObjects({
      status: this.status || null,
      query: this.query || null,
      filesOnly: this.show === FILE_OBJECTS,
      sortBy: this.sort.sortBy,
      sortOrder: this.sort.sortOrder,
      cursor,
      pageSize: this.pageSize,
    });
    if (page && page.summary) {
      this.summary = page.summary;
    }
    return page;
  });

  get statusOptions() {
    return [
      { label: 'All statuses', value: ALL_STATUSES },
      ...OBJECT_STATUSES.map((status) => ({ label: status, value: status })),
    ].map((option) => ({
      ...option,
      key: `status-${option.value || 'all'}`,
      selected: option.value === this.status,
    }));
  }

  get showOptions() {
    return [
      { label: 'Objects and files', value: ALL_OBJECTS },
      { label: 'File objects only', value: FILE_OBJECTS },
    ].map((option) => ({ ...option, key: `show-${option.value}`, selected: option.value === this.show }));
  }

  // The legend's entries are the statuses plus the reasons a Waiting object waits ("Waiting-api-budget").
  legend = objectStatusLegend().map((entry) => {
    const [badgeStatus, ...reason] = entry.status.split('-');
    return {
      ...entry,
      badgeStatus,
      waitingFor: reason.length > 0 ? reason.join('-') : undefined,
      termKey: `term-${entry.status}`,
      detailKey: `detail-${entry.status}`,
    };
  });

  connectedCallback() {
    this.pages.reload();
  }

  disconnectedCallback() {
    this.pages.cancelPendingReload();
  }

  get headers() {
    return sortableHeaders(COLUMNS, this.sort);
  }

  get rows() {
    return this.items.map((item) => {
      // Only file objects (ContentVersion, Attachment, Document) carry file counts.
      const hasFiles = item.files !== null && item.files !== undefined;
      return {
        ...item,
        hasFiles,
        fileBytesText: hasFiles ? formatBytes(item.fileBytes ?? 0) : '',
      };
    });
  }

  /**
   * The whole list in words: "43 objects · 3 not supported · 4,400 files, 1.5 MB in 3 file objects";
   * while a filter or search hides some, "5 of 43 objects shown · …".
   */
  get summaryText() {
    const summary = this.summary;
    if (!summary) {
      return '';
    }
    const parts = [
      summary.matching === summary.objects
        ? plural(summary.objects, 'object', 'objects')
        : `${formatNumber(summary.matching)} of ${plural(summary.objects, 'object', 'objects')} shown`,
    ];
    if (summary.unsupported > 0) {
      parts.push(`${formatNumber(summary.unsupported)} not supported`);
    }
    if (summary.fileObjects > 0) {
      const files = plural(summary.files, 'file', 'files');
      const objects = plural(summary.fileObjects, 'file object', 'file objects');
      parts.push(`${files}, ${formatBytes(summary.fileBytes)} in ${objects}`);
    }
    return parts.join(' · ');
  }

  get hasSummary() {
    return Boolean(this.summary);
  }

  get hasRows() {
    return this.items.length > 0;
  }

  get showSpinner() {
    return this.loading;
  }

  get showEmpty() {
    return isLoadedEmpty(this, this.items);
  }

  get isFiltered() {
    return Boolean(this.status || this.query || this.show === FILE_OBJECTS);
  }

  get emptyHeading() {
    return this.isFiltered ? 'No objects match' : 'No objects yet';
  }

  get emptyMessage() {
    return this.isFiltered
      ? 'Change the status, the files filter or the search to see more objects.'
      : 'The first scan of the org lists the objects Auto Backup backs up.';
  }

  get hasMore() {
    return Boolean(this.next);
  }

  handleStatusChange(event) {
    this.status = event.target.value;
    this.pages.reload();
  }

  handleShowChange(event) {
    this.show = event.target.value;
    this.pages.reload();
  }

  handleSearchChange(event) {
    this.query = (event.detail.value || '').trim();
    this.pages.reloadAfterPause(SEARCH_DELAY_MS);
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

function plural(count, one, many) {
  return `${formatNumber(count)} ${count === 1 ? one : many}`;
}
