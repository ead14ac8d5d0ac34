import { LightningElement, api } from 'lwc';
import enableAutoBackup from '@salesforce/apex/AutoBackupDashboardController.enableAutoBackup';
import { loadCanManage } from 'c/managePermission';

/**
 * First run: shows the bucket backups will go to and starts Auto Backup ("Enable Auto Backup"),
 * or explains how to pick another bucket. Fires `enabled` with the new dashboard once started.
 */
export default class EnableAutoBackupPanel extends LightningElement {
  /** The destination, e.g. gs://acme-backup/prod (dashboard.storage). */
  @api storage;

  enabling = false;
  error;
  canManage = false;
  showBucketHelp = false;

  connectedCallback() {
    this.loadPermission();
  }

  async loadPermission() {
    this.canManage = await loadCanManage();
  }

  get hasStorage() {
    return Boolean(this.storage);
  }

  get enableDisabled() {
    return !this.canManage || this.enabling || !this.hasStorage;
  }

  get enableLabel() {
    return this.enabling ? 'Starting Auto Backup…' : 'Enable Auto Backup';
  }

  get showPermissionNote() {
    return !this.canManage;
  }

  get bucketHelpExpanded() {
    return String(this.showBucketHelp);
  }

  handleToggleBucketHelp() {
    this.showBucketHelp = !this.showBucketHelp;
  }

  async handleEnable() {
    this.enabling = true;
    this.error = undefined;
    try {
      const dashboard = await enableAutoBackup();
      this.dispatchEvent(new CustomEvent('enabled', { detail: { dashboard } }));
    } catch (error) {
      this.error = error;
    } finally {
      this.enabling = false;
    }
  }
}
