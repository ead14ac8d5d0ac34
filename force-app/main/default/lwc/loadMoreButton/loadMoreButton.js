import { LightningElement, api } from 'lwc';

/**
 * "Load more" under a paged list: says "Loading…" and is disabled while the next page is on its
 * way, and fires `loadmore` when clicked. The list shows it only while there is a next page.
 */
export default class LoadMoreButton extends LightningElement {
  /** True while the next page is being fetched. */
  @api loading = false;

  get label() {
    return this.loading ? 'Loading…' : 'Load more';
  }

  handleClick() {
    this.dispatchEvent(new CustomEvent('loadmore'));
  }
}
