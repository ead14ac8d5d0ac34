import { LightningElement } from 'lwc';
import getExcludedObjects from '@salesforce/apex/AutoBackupObjectsController.getExcludedObjects';
import { Loader } from 'c/dataLoader';

/**
 * Objects Auto Backup does not back up because they cannot be backed up (not stored records,
 * no usable timestamp, API restrictions), each with the reason.
 */
export default class ExcludedObjectList extends LightningElement {
  items = [];
  loading = true;
  error;
  loader = new Loader(this);

  connectedCallback() {
    this.load();
  }

  load() {
    return this.loader.load(
      () => getExcludedObjects(),
      (result) => {
        this.items = (result && result.items) || [];
      },
    );
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
