import { LightningElement } from 'lwc';
import getMissingFieldPermissions from '@salesforce/apex/AutoBackupErrorsController.getMissingFieldPermissions';
import { Loader } from 'c/dataLoader';
import { formatNumber } from 'c/backupFormat';
import { nextSort, sortAnnouncement, sortableHeaders } from 'c/tableSort';

/** The table's columns; the whole report is at hand, so the sort is done here. */
export const COLUMNS = [
  { key: 'label', label: 'Object', sortable: true },
  { key: 'fieldLabel', label: 'Field', sortable: true },
  { key: 'type', label: 'Type', sortable: true },
  { key: 'grant', label: 'What to grant', sortable: false },
];

export const DEFAULT_SORT = { sortBy: 'label', sortOrder: 'asc' };

const text = (value) => String(value ?? '').toLowerCase();

/** Orders two fields by the sorted column, then by object and field (the service's own order). */
function compareFields(a, b, { sortBy, sortOrder }) {
  const direction = sortOrder === 'desc' ? -1 : 1;
  for (const [key, sign] of [
    [sortBy, direction],
    ['label', 1],
    ['fieldLabel', 1],
    ['field', 1],
  ]) {
    const x = text(a[key]);
    const y = text(b[key]);
    if (x !== y) {
      return x < y ? -sign : sign;
    }
  }
  return 0;
}

/**
 * The missing field permissions report (for Auto Backup Admins, shown in the Errors tab): fields
 * that exist in the org but the integration user cannot read, so they are not backed up, by object
 * with the field's type and what to grant; the objects it cannot read at all; and, when the last
 * schema scan could not read FieldDefinition, the service's message saying why the list may be
 * incomplete. The fields can be sorted by object, field or type (the sorted column carries aria-sort
 * and the change is announced); a line counts them; when all is readable a success line says so (the errors list above
 * already shows an illustration when all is well; one is enough).
 */
export default class MissingFieldPermissions extends LightningElement {
  report;
  sort = DEFAULT_SORT;
  sortMessage = '';
  loading = true;
  error;
  loader = new Loader(this);

  connectedCallback() {
    this.load();
  }

  load() {
    return this.loader.load(
      () => getMissingFieldPermissions(),
      (report) => {
        this.report = report || {};
      },
    );
  }

  get loaded() {
    return Boolean(this.report) && !this.loading && !this.error;
  }

  get headers() {
    return sortableHeaders(COLUMNS, this.sort);
  }

  get rows() {
    return ((this.report && this.report.items) || [])
      .map((item) => ({ ...item, key: `${item.object}.${item.field}` }))
      .sort((a, b) => compareFields(a, b, this.sort));
  }

  /** "3 fields of 2 objects". */
  get countText() {
    const rows = this.rows;
    const objects = new Set(rows.map((row) => row.object)).size;
    const fields = `${formatNumber(rows.length)} ${rows.length === 1 ? 'field' : 'fields'}`;
    return `${fields} of ${formatNumber(objects)} ${objects === 1 ? 'object' : 'objects'} cannot be read`;
  }

  handleSort(event) {
    this.sort = nextSort(this.sort, COLUMNS, event.currentTarget.dataset.key);
    this.sortMessage = sortAnnouncement(COLUMNS, this.sort);
  }

  get hasRows() {
    return this.rows.length > 0;
  }

  get unreadableObjects() {
    return ((this.report && this.report.objectsUnreadable) || []).map((item) => ({
      ...item,
      key: item.object,
    }));
  }

  get hasUnreadableObjects() {
    return this.unreadableObjects.length > 0;
  }

  get checkError() {
    return this.report && this.report.error ? this.report.error.message : null;
  }

  get checkedAt() {
    return this.report ? this.report.checkedAt : null;
  }

  get showAllReadable() {
    return this.loaded && !this.hasRows && !this.hasUnreadableObjects && !this.checkError;
  }

  handleRetry() {
    this.load();
  }
}
