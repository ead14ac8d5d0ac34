import { LightningElement, api } from 'lwc';
import getObjects from '@salesforce/apex/AutoBackupObjectsController.getObjects';
import { OBJECT_STATUSES, describeObjectStatus, objectStatusLegend } from 'c/backupStatus';
import { PagedListLoader, isLoadedEmpty } from 'c/dataLoader';
import { formatBytes } from 'c/backupFormat';

export const PAGE_SIZE = 50;
export const SEARCH_DELAY_MS = 300;

const ALL_STATUSES = '';

/**
 * The objects Auto Backup knows about: status badge (and why a Waiting object waits), record and
 * version counts, files and their size for file objects, last backup and the point each object is
 * caught up to. Filter by status, search by name (debounced) and page
 * through with "Load more".
 */
export default class BackupObjectList extends LightningElement {
  @api pageSize = PAGE_SIZE;

  items = [];
  next = null;
  status = ALL_STATUSES;
  query = '';
  loading = false;
  loadingMore = false;
  error;
  loaded = false;

  // Only the newest request may change the list: an older search answer is dropped.
  pages = new PagedListLoader(this, (cursor) =>
    getObjects({
      status: this.status || null,
      query: this.query || null,
      cursor,
      pageSize: this.pageSize,
    }),
  );

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

  legend = objectStatusLegend().map((entry) => ({
    ...entry,
    termKey: `term-${entry.status}`,
    detailKey: `detail-${entry.status}`,
  }));

  connectedCallback() {
    this.pages.reload();
  }

  disconnectedCallback() {
    this.pages.cancelPendingReload();
  }

  get rows() {
    return this.items.map((item) => {
      const status = describeObjectStatus(item.status, item.waitingFor);
      // Only file objects (ContentVersion, Attachment, Document) carry file counts.
      const hasFiles = item.files !== null && item.files !== undefined;
      return {
        ...item,
        hasFiles,
        fileBytesText: hasFiles ? formatBytes(item.fileBytes ?? 0) : '',
        statusLabel: status.label,
        statusMeaning: status.meaning,
        badgeClass: status.badgeClass,
      };
    });
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

  get emptyMessage() {
    return this.status || this.query
      ? 'No objects match this filter.'
      : 'No objects have been found yet. The first scan of the org lists them.';
  }

  get hasMore() {
    return Boolean(this.next);
  }

  handleStatusChange(event) {
    this.status = event.target.value;
    this.pages.reload();
  }

  handleSearchChange(event) {
    this.query = (event.detail.value || '').trim();
    this.pages.reloadAfterPause(SEARCH_DELAY_MS);
  }

  handleLoadMore() {
    this.pages.loadMore();
  }

  handleRetry() {
    this.pages.reload();
  }
}
