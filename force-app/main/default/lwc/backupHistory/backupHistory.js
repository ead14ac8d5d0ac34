import { LightningElement, api } from 'lwc';
import locale from '@salesforce/i18n/locale';
import timeZone from '@salesforce/i18n/timeZone';
import currency from '@salesforce/i18n/currency';
import getFieldDescriptions from '@salesforce/apex/AutoBackupHistoryController.getFieldDescriptions';
import getRecordVersions from '@salesforce/apex/AutoBackupHistoryController.getRecordVersions';
import getFileDownloadLink from '@salesforce/apex/AutoBackupHistoryController.getFileDownloadLink';
import { formatBytes } from 'c/backupFormat';
import { followLink } from 'c/downloadLink';
import { reduceErrors } from 'c/ldsUtils';
import { Loader, isLoadedEmpty } from 'c/dataLoader';
import { describeVersions } from './recordDiff';

const FILE_STATES = {
  stored: 'File stored',
  failed: 'File not backed up',
  pending: 'File not backed up yet',
};

/** Versions asked for at a time: a busy record has more than one callout answer may carry. */
export const VERSIONS_PER_PAGE = 20;

/**
 * Backup History on a record page: the backed-up versions of the record, newest first, a page at a
 * time ("Load older versions" asks the service for the page before the oldest shown), with the
 * fields that changed from the version before (old → new), by label, values formatted by field type
 * in the user's locale as a record page shows them (fieldFormat.js). It reads well in a record page's
 * narrow sidebar: each change wraps its label, before and after under one another where the card is
 * narrow, and sets them side by side where it has room (backupHistory.css). Deleted versions are marked;
 * encrypted values the user may not read arrive masked from Apex and say so. A version of a file record
 * (ContentVersion, Attachment, Document) says whether its body is stored, failed (with why) or pending;
 * a stored one has a Download button that asks Apex for a short-lived signed link and opens it.
 */
export default class BackupHistory extends LightningElement {
  @api
  get recordId() {
    return this._recordId;
  }
  set recordId(value) {
    const changed = value !== this._recordId;
    this._recordId = value;
    if (changed && this.isConnected) {
      this.load();
    }
  }

  @api
  get objectApiName() {
    return this._objectApiName;
  }
  set objectApiName(value) {
    const changed = value !== this._objectApiName;
    this._objectApiName = value;
    if (changed && this.isConnected) {
      this.load();
    }
  }

  _recordId;
  _objectApiName;
  /** The versions loaded so far, newest first, as Apex returns them. */
  items = [];
  /** The `before` of the next, older page; null when the oldest version is loaded. */
  next = null;
  /** Field API name → `{ label, type, scale, picklistValues }`, from the object's describe. */
  fields = {};
  /** The object whose field descriptions were asked for. */
  fieldsObject = null;
  loading = false;
  loadingOlder = false;
  loaded = false;
  error;
  loader = new Loader(this, { busyFields: ['loading', 'loadingOlder'] });
  /** The systemModstamp of the version whose download link is being asked for. */
  downloadingModstamp = null;
  downloadError;

  connectedCallback() {
    this.load();
  }

  /** The newest page, from scratch. */
  load() {
    if (!this._recordId || !this._objectApiName) {
      return undefined;
    }
    this.items = [];
    this.next = null;
    this.loadFields();
    return this.fetchPage(null);
  }

  /**
   * The object's field descriptions, once per object. Without them (the describe failed) fields show
   * their API names and values by JSON type: the history itself still shows.
   */
  loadFields() {
    const objectApiName = this._objectApiName;
    if (this.fieldsObject === objectApiName) {
      return;
    }
    this.fieldsObject = objectApiName;
    this.fields = {};
    getFieldDescriptions({ objectApiName })
      .then((result) => {
        if (this.fieldsObject === objectApiName) {
          this.fields = Object.fromEntries(
            ((result && result.fields) || []).map((field) => [field.name, field]),
          );
        }
      })
      .catch(() => {
        if (this.fieldsObject === objectApiName) {
          this.fieldsObject = null;
        }
      });
  }

  /** The page before the oldest version shown. */
  loadOlder() {
    return this.fetchPage(this.next);
  }

  fetchPage(before) {
    const older = before !== null;
    return this.loader.load(
      () =>
        getRecordVersions({
          objectApiName: this._objectApiName,
          recordId: this._recordId,
          before,
          pageSize: VERSIONS_PER_PAGE,
        }),
      (result) => {
        const items = (result && result.items) || [];
        this.items = older ? [...this.items, ...items] : items;
        this.next = (result && result.next) || null;
        this.loaded = true;
      },
      older ? 'loadingOlder' : 'loading',
    );
  }

  get versions() {
    return describeVersions(this.items, {
      fields: this.fields,
      context: { locale, timeZone, currency },
      complete: !this.next,
    }).map((version, index) => ({
      ...version,
      file: this.describeFile(this.items[index].file, version.systemModstamp),
      hasChanges: version.changes.length > 0,
      noChangeText: version.deleted
        ? 'The record was deleted in Salesforce; no field value changed.'
        : 'No field value changed in this version.',
      valuesSummary: `First backed-up version, with ${version.values.length} fields.`,
    }));
  }

  /** Outside a record page (e.g. an App Builder preview) there is no record to show. */
  get missingRecord() {
    return !this._recordId || !this._objectApiName;
  }

  get hasVersions() {
    return this.items.length > 0;
  }

  get showEmpty() {
    return isLoadedEmpty(this, this.items);
  }

  get hasOlder() {
    return Boolean(this.next);
  }

  get olderLabel() {
    return this.loadingOlder ? 'Loading older versions…' : 'Load older versions';
  }

  get countText() {
    const count = this.items.length;
    if (this.next) {
      return count === 1
        ? 'The newest version; older ones can be loaded.'
        : `The newest ${count} versions; older ones can be loaded.`;
    }
    return count === 1 ? '1 version backed up' : `${count} versions backed up`;
  }

  describeFile(file, systemModstamp) {
    if (!file) {
      return null;
    }
    const downloading = this.downloadingModstamp === systemModstamp;
    const stateText = FILE_STATES[file.state] || `File: ${file.state}`;
    return {
      stateText:
        file.size === null || file.size === undefined
          ? stateText
          : `${stateText} (${formatBytes(file.size)})`,
      error: file.error || null,
      canDownload: file.state === 'stored',
      downloadLabel: downloading ? 'Preparing download…' : 'Download',
      downloading,
    };
  }

  async handleDownload(event) {
    const systemModstamp = event.target.dataset.modstamp;
    this.downloadError = undefined;
    this.downloadingModstamp = systemModstamp;
    try {
      const link = await getFileDownloadLink({
        objectApiName: this._objectApiName,
        recordId: this._recordId,
        systemModstamp,
      });
      if (!link || !link.url) {
        throw new Error('The backup service sent no link to the file.');
      }
      followLink(this.template.querySelector('.download-anchor'), link.url, link.fileName, true);
    } catch (error) {
      this.downloadError = reduceErrors(error).join(' ') || 'The file could not be downloaded.';
    } finally {
      this.downloadingModstamp = null;
    }
  }

  handleLoadOlder() {
    this.loadOlder();
  }

  handleRetry() {
    if (this.next && this.items.length > 0) {
      this.loadOlder();
    } else {
      this.load();
    }
  }
}
