import { LightningElement, api } from 'lwc';
import getRecordVersions from '@salesforce/apex/AutoBackupHistoryController.getRecordVersions';
import { Loader, isLoadedEmpty } from 'c/dataLoader';
import { describeVersions } from './recordDiff';

export const VERSIONS_PER_PAGE = 20;

/**
 * Backup History on a record page: every backed-up version of the record, newest first, with the
 * fields that changed from the version before (old → new). Deleted versions are marked.
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
  versions = [];
  shown = VERSIONS_PER_PAGE;
  loading = false;
  loaded = false;
  error;
  loader = new Loader(this);

  connectedCallback() {
    this.load();
  }

  async load() {
    if (!this._recordId || !this._objectApiName) {
      return;
    }
    await this.loader.load(
      () =>
        getRecordVersions({
          objectApiName: this._objectApiName,
          recordId: this._recordId,
        }),
      (result) => {
        this.versions = describeVersions((result && result.items) || []).map((version) => ({
          ...version,
          hasChanges: version.changes.length > 0,
          noChangeText: version.deleted
            ? 'The record was deleted in Salesforce; no field value changed.'
            : 'No field value changed in this version.',
          valuesSummary: `First backed-up version, with ${version.values.length} fields.`,
        }));
        this.shown = VERSIONS_PER_PAGE;
        this.loaded = true;
      },
    );
  }

  /** Outside a record page (e.g. an App Builder preview) there is no record to show. */
  get missingRecord() {
    return !this._recordId || !this._objectApiName;
  }

  get visibleVersions() {
    return this.versions.slice(0, this.shown);
  }

  get hasVersions() {
    return this.versions.length > 0;
  }

  get showEmpty() {
    return isLoadedEmpty(this, this.versions);
  }

  get hasOlder() {
    return this.versions.length > this.shown;
  }

  get countText() {
    const count = this.versions.length;
    return count === 1 ? '1 version backed up' : `${count} versions backed up`;
  }

  handleShowOlder() {
    this.shown += VERSIONS_PER_PAGE;
  }

  handleRetry() {
    this.load();
  }
}
