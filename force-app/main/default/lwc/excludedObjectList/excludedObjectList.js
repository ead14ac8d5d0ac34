import { LightningElement, api } from 'lwc';
import getExcludedObjects from '@salesforce/apex/AutoBackupObjectsController.getExcludedObjects';
import { Loader } from 'c/dataLoader';

/** Objects shown at a time, as the other lists page. */
export const PAGE_SIZE = 50;

/**
 * Objects Auto Backup does not back up because they cannot be backed up (not stored records,
 * no usable timestamp, API restrictions), each with the reason. Shown a page at a time with
 * "Load more", like the other lists; the service answers the whole list at once (its /excluded
 * route has no cursor), so the pages are cut here.
 */
export default class ExcludedObjectList extends LightningElement {
  @api pageSize = PAGE_SIZE;

  items = [];
  shown = PAGE_SIZE;
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
        this.shown = this.pageSize;
      },
    );
  }

  get visibleItems() {
    return this.items.slice(0, this.shown);
  }

  get hasMore() {
    return this.items.length > this.shown;
  }

  handleLoadMore() {
    this.shown += this.pageSize;
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
