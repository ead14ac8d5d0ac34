import { LightningElement, api } from 'lwc';
import { reduceErrors } from 'c/ldsUtils';

/**
 * The one way the package shows a failure: a friendly sentence, the reduced server messages and,
 * when the caller offers it, a "Try again" button that fires `retry`.
 */
export default class ErrorPanel extends LightningElement {
  /** What the user was doing, e.g. "The dashboard could not be loaded." */
  @api friendlyMessage = 'Something went wrong.';
  /** Anything thrown or rejected (one error or a list). */
  @api errors;
  /** Shows a "Try again" button that fires the `retry` event. */
  @api showRetry = false;

  get messages() {
    return reduceErrors(this.errors).map((text, index) => ({ key: `${index}`, text }));
  }

  get hasMessages() {
    return this.messages.length > 0;
  }

  handleRetry() {
    this.dispatchEvent(new CustomEvent('retry'));
  }
}
