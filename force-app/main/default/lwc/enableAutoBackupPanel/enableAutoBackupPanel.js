import { LightningElement, api } from 'lwc';
import { loadCanManage } from 'c/managePermission';

/**
 * First run: what starting Auto Backup does and where backups go, and the "Enable Auto Backup"
 * dialog (c-enable-auto-backup-dialog) with its two choices: start to the current bucket, or what
 * changing the bucket needs. The dialog opens by itself for users who may start Auto Backup, and
 * from the button for anyone; closing it gives the focus back to that button. Fires `enabled`
 * with the new dashboard once started.
 */
export default class EnableAutoBackupPanel extends LightningElement {
  /** The destination, e.g. gs://acme-backup/prod (dashboard.storage). */
  @api
  get storage() {
    return this.shownStorage;
  }
  set storage(value) {
    this.shownStorage = value;
  }

  shownStorage;
  canManage = false;
  dialogOpen = false;
  // The dialog opens by itself once, not again after the user closed it.
  offered = false;
  returnFocus = false;

  connectedCallback() {
    this.loadPermission();
  }

  async loadPermission() {
    this.canManage = await loadCanManage();
    if (this.canManage && !this.offered) {
      this.offered = true;
      this.dialogOpen = true;
    }
  }

  get hasStorage() {
    return Boolean(this.shownStorage);
  }

  get showPermissionNote() {
    return !this.canManage;
  }

  handleOpen() {
    this.offered = true;
    this.dialogOpen = true;
  }

  handleClose() {
    this.dialogOpen = false;
    this.returnFocus = true;
  }

  handleStorageChange(event) {
    this.shownStorage = event.detail && event.detail.storage;
  }

  handleEnabled(event) {
    this.dialogOpen = false;
    this.dispatchEvent(new CustomEvent('enabled', { detail: event.detail }));
  }

  renderedCallback() {
    if (this.returnFocus) {
      this.returnFocus = false;
      const opener = this.template.querySelector('button.enable');
      if (opener) {
        opener.focus();
      }
    }
  }
}
