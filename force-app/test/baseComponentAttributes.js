/**
 * Which values the real Lightning base components accept for their enumerated attributes, read from
 * the lightning-base-components source (node_modules), and checks of the package's markup against
 * them. A base component silently replaces a value it does not accept with its default (e.g.
 * `<lightning-progress-bar variant="warning">` draws a plain blue bar), and the jest stubs of the
 * base components accept anything, so such a mistake shows only in a real org. Used by
 * force-app/test/baseComponentAttributes.test.js (every template's literal values) and by
 * lwcTestUtils.unmountAll (every value a rendered component set, in every component test).
 *
 * Example: acceptedValues('lightning-progress-bar').variant → ['base', 'circular']
 */
import fs from 'fs';
import path from 'path';

const LBC_DIR = path.join(
  __dirname,
  '..',
  '..',
  'node_modules',
  'lightning-base-components',
  'src',
  'lightning',
);

// `normalize(<what>, { fallbackValue: …, validValues: [ 'a', 'b' ] })`, as the base components write it.
const NORMALIZE_CALL =
  /normalize\w*\(\s*([\w.]+)\s*,\s*\{([^{}]*?)validValues:\s*\[([^\]]*)\]([^{}]*?)\}\s*\)/g;
const FUNCTION_HEAD = /(?:\b(set|get)\s+(\w+)|\b(\w+))\s*\(([\w\s,]*)\)\s*\{/g;

const cache = new Map();

function stringLiterals(text) {
  return Array.from(text.matchAll(/'([^']*)'|"([^"]*)"/g), (m) => (m[1] !== undefined ? m[1] : m[2]));
}

/** `this._size`, `this.privateVariant`, `this.state.iconVariant`, `variant` → the attribute they hold. */
function propertyOf(expression) {
  const last = expression.split('.').pop();
  const name = last.replace(/^_+/, '').replace(/^private(?=[A-Z])/, '');
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** The property a normalize call at `index` guards: a setter's name, else the name of what it normalizes. */
function guardedProperty(source, index, argument) {
  if (argument.startsWith('this.')) {
    return propertyOf(argument);
  }
  let head;
  for (const match of source.slice(0, index).matchAll(FUNCTION_HEAD)) {
    head = match;
  }
  if (head && head[1] === 'set') {
    return head[2];
  }
  return propertyOf(argument);
}

function valuesIn(source) {
  const found = {};
  for (const match of source.matchAll(NORMALIZE_CALL)) {
    const [, argument, before, list, after] = match;
    const property = guardedProperty(source, match.index, argument);
    const values = stringLiterals(list);
    const fallback = /fallbackValue:\s*(['"])([^'"]*)\1/.exec(`${before} ${after}`);
    if (fallback) {
      values.push(fallback[2]);
    }
    // Values the code maps before normalizing (lightning-icon: `if (variant === 'bare')`).
    const aliases = new RegExp(`\\b${argument.replace('.', '\\.')}\\s*===\\s*'([^']*)'`, 'g');
    for (const alias of source.matchAll(aliases)) {
      values.push(alias[1]);
    }
    found[property] = Array.from(new Set([...(found[property] || []), ...values]));
  }
  return found;
}

/** `lightning-progress-bar` → { variant: [...], size: [...] }: the enumerated attributes and their values. */
export function acceptedValues(tagName) {
  if (cache.has(tagName)) {
    return cache.get(tagName);
  }
  const folder = tagName.replace(/^lightning-/, '').replace(/-(\w)/g, (_, c) => c.toUpperCase());
  const dir = path.join(LBC_DIR, folder);
  const accepted = {};
  if (fs.existsSync(dir)) {
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.js'))) {
      const found = valuesIn(fs.readFileSync(path.join(dir, file), 'utf8'));
      for (const [property, values] of Object.entries(found)) {
        accepted[property] = Array.from(new Set([...(accepted[property] || []), ...values]));
      }
    }
  }
  cache.set(tagName, accepted);
  return accepted;
}

/** One line per value `property` of `tagName` does not accept ([] when it does, or is not enumerated). */
export function checkValue(tagName, property, value, where) {
  const values = acceptedValues(tagName)[property];
  if (!values || typeof value !== 'string' || value === '' || values.includes(value)) {
    return [];
  }
  return [
    `${where}: <${tagName}> ${property}="${value}" is not accepted (it accepts ${values.join(', ')}) and would fall back to its default`,
  ];
}

function elementsUnder(root) {
  const found = [];
  for (const element of root.querySelectorAll('*')) {
    found.push(element);
    if (element.shadowRoot) {
      found.push(...elementsUnder(element.shadowRoot));
    }
  }
  return found;
}

/**
 * Every enumerated attribute value a `lightning-*` element under `root` (a document or a component,
 * through the shadow roots) was given that the real base component does not accept.
 */
export function invalidBaseComponentValues(root) {
  const start = root.shadowRoot ? [root, ...elementsUnder(root.shadowRoot)] : elementsUnder(root);
  const problems = [];
  for (const element of start) {
    const tagName = element.tagName.toLowerCase();
    if (!tagName.startsWith('lightning-')) {
      continue;
    }
    for (const property of Object.keys(acceptedValues(tagName))) {
      problems.push(...checkValue(tagName, property, element[property], 'rendered'));
    }
  }
  return problems;
}
