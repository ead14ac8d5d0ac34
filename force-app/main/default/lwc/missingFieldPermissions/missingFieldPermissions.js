import { LightningElement } from 'lwc';
import getMissingFieldPermissions from '@salesforce/apex/AutoBackupErrorsController.getMissingFieldPermissions';
import { Loader } from 'c/dataLoader';

/**
 * The missing field permissions report (for Auto Backup Admins, shown in the Errors tab): fields
 * that exist in the org but the integration user cannot read, so they are not backed up, by object
 * with the field's type and what to grant; the objects it cannot read at all; and, when the last
 * schema scan could not read FieldDefinition, the service's message saying why the list may be
 * incomplete.
 */
export default class MissingFieldPermissions extends LightningElement {
  report;
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

  get rows() {
    return ((this.report && this.report.items) || []).map((item) => ({
      ...item,
      key: `${item.object}.${item.field}`,
    }));
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
