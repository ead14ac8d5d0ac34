import { LightningElement, api } from 'lwc';
import getObjects from '@salesforce/apex/AutoBackupObjectsController.getObjects';
import { OBJECT_STATUSES, describeObjectStatus, objectStatusLegend } from 'c/backupStatus';

export const PAGE_SIZE = 50;
export const SEARCH_DELAY_MS = 300;

const ALL_STATUSES = '';

/**
 * The objects Auto Backup knows about: status badge, record and version counts, last backup and
 * the point each object is caught up to. Filter by status, search by name (debounced) and page
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

  searchTimer;
  requestSequence = 0;

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
    this.reload();
  }

  disconnectedCallback() {
    clearTimeout(this.searchTimer);
  }

  get rows() {
    return this.items.map((item) => {
      const status = describeObjectStatus(item.status);
      return {
        ...item,
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
    return this.loaded && !this.loading && !this.error && this.items.length === 0;
  }

  get emptyMessage() {
    return this.status || this.query
      ? 'No objects match this filter.'
      : 'No objects have been found yet. The first scan of the org lists them.';
  }

  get hasMore() {
    return Boolean(this.next);
  }

  get loadMoreLabel() {
    return this.loadingMore ? 'Loading…' : 'Load more';
  }

  handleStatusChange(event) {
    this.status = event.target.value;
    this.reload();
  }

  handleSearchChange(event) {
    this.query = (event.detail.value || '').trim();
    clearTimeout(this.searchTimer);
    // Wait until the user pauses typing before asking the service.
    // eslint-disable-next-line @lwc/lwc/no-async-operation
    this.searchTimer = setTimeout(() => this.reload(), SEARCH_DELAY_MS);
  }

  handleLoadMore() {
    this.fetchPage(this.next);
  }

  handleRetry() {
    this.reload();
  }

  reload() {
    this.items = [];
    this.next = null;
    this.fetchPage(null);
  }

  async fetchPage(cursor) {
    // Only the newest request may change the list: an older search answer is dropped.
    const sequence = ++this.requestSequence;
    const more = cursor !== null;
    this.loading = !more;
    this.loadingMore = more;
    this.error = undefined;
    try {
      const page = await getObjects({
        status: this.status || null,
        query: this.query || null,
        cursor,
        pageSize: this.pageSize,
      });
      if (sequence !== this.requestSequence) {
        return;
      }
      const items = (page && page.items) || [];
      this.items = more ? [...this.items, ...items] : items;
      this.next = (page && page.next) || null;
      this.loaded = true;
    } catch (error) {
      if (sequence === this.requestSequence) {
        this.error = error;
      }
    } finally {
      if (sequence === this.requestSequence) {
        this.loading = false;
        this.loadingMore = false;
      }
    }
  }
}
