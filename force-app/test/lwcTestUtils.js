/**
 * Setup shared by the package's LWC jest tests: putting a component on the page, waiting for its
 * Apex answers and re-renders, taking everything off the page again, and the shape of an Apex
 * failure. Import it relatively from a test (`../../../../../test/lwcTestUtils`).
 */
import { createElement } from 'lwc';
import { invalidBaseComponentValues } from './baseComponentAttributes';

/** Lets pending promise callbacks (Apex answers, re-renders) run. */
export function flushPromises() {
  // eslint-disable-next-line @lwc/lwc/no-async-operation
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Creates the component `tagName` (e.g. 'c-backup-error-list') from its class, sets the public
 * `properties` before it connects, adds it to the page and waits until it has settled.
 */
export async function mount(tagName, Component, properties = {}) {
  const element = createElement(tagName, { is: Component });
  Object.assign(element, properties);
  document.body.appendChild(element);
  await flushPromises();
  return element;
}

/**
 * Takes every component off the page (their disconnectedCallback runs); for afterEach. First checks
 * that every `lightning-*` element on the page was given only attribute values the real base
 * component accepts (the stubs accept anything; see baseComponentAttributes.js), so each component
 * test also checks the values its component rendered.
 */
export function unmountAll() {
  const problems = invalidBaseComponentValues(document.body);
  while (document.body.firstChild) {
    document.body.removeChild(document.body.firstChild);
  }
  if (problems.length > 0) {
    throw new Error(`Base component attribute values the real component ignores:\n${problems.join('\n')}`);
  }
}

/** What an imperative Apex call rejects with when the method throws an AuraHandledException. */
export function apexError(message) {
  return { body: { message }, ok: false, status: 500 };
}
