import { LightningElement, api } from 'lwc';

/** The SLDS illustrations this component draws (inline, as the SLDS illustration blueprint does). */
export const ILLUSTRATIONS = ['no-task', 'lake-mountain'];

/**
 * What a list shows when it has nothing to show: an SLDS illustration (small), a heading and a
 * message, as the SLDS illustration blueprint lays them out. 'no-task' (a hammock) says all is well
 * and nothing needs doing — no errors, nothing excluded; 'lake-mountain' (the default) says there is
 * nothing here yet or nothing matches. Anything in the default slot (a link, a button) goes under
 * the message.
 *
 * Example: <c-empty-state illustration="no-task" heading="No errors" message="…"></c-empty-state>
 */
export default class EmptyState extends LightningElement {
  @api heading = '';
  @api message = '';
  /** One of ILLUSTRATIONS; anything else draws the default. */
  @api illustration = 'lake-mountain';

  get isNoTask() {
    return this.illustration === 'no-task';
  }

  get containerClass() {
    return `slds-illustration slds-illustration_small empty-state empty-state_${this.isNoTask ? 'no-task' : 'lake-mountain'}`;
  }
}
