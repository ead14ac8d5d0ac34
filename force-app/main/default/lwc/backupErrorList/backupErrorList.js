import { LightningElement, api } from 'lwc';
import getErrors from '@salesforce/apex/AutoBackupErrorsController.getErrors';
import dismissError from '@salesforce/apex/AutoBackupErrorsController.dismissError';
import getErrorsCsv from '@salesforce/apex/AutoBackupErrorsController.getErrorsCsv';
import { PagedListLoader, isLoadedEmpty } from 'c/dataLoader';
import { followLink } from 'c/downloadLink';
import { loadCanManage } from 'c/managePermission';
import { hintFor } from './errorHints';

export const PAGE_SIZE = 50;
export const FILTER_DELAY_MS = 300;

/** Type of the downloaded file (the service sends UTF-8 with a byte order mark). */
export const CSV_TYPE = 'text/csv;charset=utf-8';

/**
 * The errors Auto Backup met, newest first (the service's order; the When column says so with
 * aria-sort): when, which object and record (linked), the Salesforce code and message, and what to
 * do about it. Paged with "Load more", filtered by object, each dismissable, and downloadable as a
 * CSV with the stack traces (for a support case). No errors: an SLDS illustration says all is well.
 *
 * Errors name records and carry stack traces, so only users who manage Auto Backup (custom
 * permission Auto_Backup_Manage_Settings) see them; Apex refuses everyone else too. Other users
 * see the count of open errors on the dashboard and a note here.
 *
 * The CSV download: Apex passes a small CSV through as text, which becomes a Blob and an object URL
 * (a `data:` URL is capped at 2 MB in Chromium); a larger CSV comes as the service's signed,
 * short-lived link, opened in a new tab.
 */
export default class BackupErrorList extends LightningElement {
  @api pageSize = PAGE_SIZE;

  items = [];
  next = null;
  objectName = '';
  loading = false;
  loadingMore = false;
  loaded = false;
  error;
  actionError;
  actionErrorMessage = '';
  downloading = false;
  canManage = false;
  permissionKnown = false;
  dismissing = {};

  pages = new PagedListLoader(this, (cursor) =>
    getErrors({ objectName: this.objectName || null, cursor, pageSize: this.pageSize }),
  );

  connectedCallback() {
    this.start();
  }

  disconnectedCallback() {
    this.pages.cancelPendingReload();
  }

  /** Asks for the errors only once it is known that the user may see them. */
  async start() {
    this.canManage = await loadCanManage();
    this.permissionKnown = true;
    if (this.canManage) {
      this.pages.reload();
    }
  }

  get showErrors() {
    return this.permissionKnown && this.canManage;
  }

  get showNoAccess() {
    return this.permissionKnown && !this.canManage;
  }

  get rows() {
    return this.items.map((item) => ({
      ...item,
      recordUrl: item.recordId ? `/lightning/r/${encodeURIComponent(item.recordId)}/view` : null,
      recordLinkLabel: `Open record ${item.recordId || ''}`.trim(),
      hintText: hintFor(item.code, item.hint),
      dismissDisabled: !this.canManage || Boolean(this.dismissing[item.id]),
      dismissLabel: `Dismiss error ${item.code || ''} on ${item.object || 'unknown object'}`.trim(),
    }));
  }

  get hasRows() {
    return this.items.length > 0;
  }

  get showEmpty() {
    return isLoadedEmpty(this, this.items);
  }

  get emptyHeading() {
    return this.objectName ? `No open errors for ${this.objectName}` : 'No open errors';
  }

  get emptyMessage() {
    return this.objectName
      ? 'Clear the filter to see the errors of every object.'
      : 'Auto Backup is running without problems.';
  }

  get hasMore() {
    return Boolean(this.next);
  }

  get downloadLabel() {
    return this.downloading ? 'Preparing CSV…' : 'Download CSV';
  }

  handleFilterChange(event) {
    this.objectName = (event.detail.value || '').trim();
    this.pages.reloadAfterPause(FILTER_DELAY_MS);
  }

  handleLoadMore() {
    this.pages.loadMore();
  }

  handleRetry() {
    this.pages.reload();
  }

  async handleDismiss(event) {
    const errorId = event.currentTarget.dataset.id;
    this.actionError = undefined;
    this.dismissing = { ...this.dismissing, [errorId]: true };
    try {
      await dismissError({ errorId });
      this.items = this.items.filter((item) => item.id !== errorId);
      this.dispatchEvent(new CustomEvent('errordismissed', { detail: { errorId } }));
    } catch (error) {
      this.showActionError('The error could not be dismissed.', error);
    } finally {
      const { [errorId]: _done, ...rest } = this.dismissing;
      this.dismissing = rest;
    }
  }

  async handleDownload() {
    this.actionError = undefined;
    this.downloading = true;
    try {
      const result = await getErrorsCsv();
      const fileName = (result && result.fileName) || 'auto-backup-errors.csv';
      if (result && result.url) {
        // Too large to pass through Salesforce: the service's signed, short-lived link.
        followLink(this.template.querySelector('.download-anchor'), result.url, fileName, true);
      } else if (result && typeof result.csv === 'string') {
        this.downloadText(result.csv, fileName);
      } else {
        throw new Error('The backup service sent neither the CSV nor a link to it.');
      }
    } catch (error) {
      this.showActionError('The errors CSV could not be downloaded.', error);
    } finally {
      this.downloading = false;
    }
  }

  /**
   * Saves `text` as a file through a Blob and an object URL (no size cap of its own, unlike a `data:`
   * URL); the URL is released once the download has started.
   */
  downloadText(text, fileName) {
    const url = URL.createObjectURL(new Blob([text], { type: CSV_TYPE }));
    try {
      followLink(this.template.querySelector('.download-anchor'), url, fileName, false);
    } finally {
      URL.revokeObjectURL(url);
    }
  }

  showActionError(message, error) {
    this.actionErrorMessage = message;
    this.actionError = error;
  }
}
