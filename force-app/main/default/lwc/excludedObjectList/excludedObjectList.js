import { LightningElement } from 'lwc';
import getExcludedObjects from '@salesforce/apex/AutoBackupObjectsController.getExcludedObjects';

/**
 * Objects Auto Backup does not back up because they cannot be backed up (not stored records,
 * no usable timestamp, API restrictions), each with the reason.
 */
export default class ExcludedObjectList extends LightningElement {
  items = [];
  loading = true;
  error;

  connectedCallback() {
    this.load();
  }

  async load() {
    this.loading = true;
    this.error = undefined;
    try {
      const result = await getExcludedObjects();
      this.items = (result && result.items) || [];
    } catch (error) {
      this.error = error;
    } finally {
      this.loading = false;
    }
  }

  get hasItems() {
    return this.items.length > 0;
  }

  get showEmpty() {
    return !this.loading && !this.error && this.items.length === 0;
  }

  handleRetry() {
    this.load();
  }
}
