/**
 * The Apex calls a Lightning web component makes, read from its JavaScript: which
 * `@salesforce/apex/<Class>.<method>` it imports, and the argument names it passes, both imperatively
 * (`getObjects({ status, query: text })`) and through `@wire(getObjects, { status: '$status' })`.
 * A small scanner, not a JavaScript parser: it reads the top-level keys of the object literal that
 * follows the call, which is how components call Apex.
 */
import { readFileSync } from 'node:fs';

export interface ApexCall {
  file: string;
  apex: string; // Class.method
  /** Argument names passed, or null when the call passes something other than an object literal. */
  argumentNames: string[] | null;
}

const IMPORT = /import\s+(\w+)\s+from\s+['"]@salesforce\/apex\/(\w+\.\w+)['"]/g;

/** Index of the bracket closing the one at `open`, skipping strings, template literals and comments. */
function closingIndex(source: string, open: number): number {
  const pairs: Record<string, string> = { '{': '}', '(': ')', '[': ']' };
  const stack: string[] = [];
  for (let i = open; i < source.length; i++) {
    const c = source[i] as string;
    if (c === "'" || c === '"' || c === '`') {
      i = source.indexOf(c, i + 1);
      while (i > 0 && source[i - 1] === '\\') i = source.indexOf(c, i + 1);
      if (i < 0) return -1;
    } else if (c === '/' && source[i + 1] === '/') {
      i = source.indexOf('\n', i);
      if (i < 0) return -1;
    } else if (c === '/' && source[i + 1] === '*') {
      i = source.indexOf('*/', i) + 1;
      if (i <= 0) return -1;
    } else if (pairs[c]) {
      stack.push(pairs[c] as string);
    } else if (c === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

/** Top-level keys of the object literal starting at `open` (a `{`); null when it is not one. */
function objectKeys(source: string, open: number): string[] | null {
  const close = closingIndex(source, open);
  if (close < 0) return null;
  const body = source.slice(open + 1, close);
  const keys: string[] = [];
  let depthStart = 0;
  for (let i = 0; i <= body.length; i++) {
    const c = body[i];
    if (c === '{' || c === '(' || c === '[' || c === "'" || c === '"' || c === '`') {
      const end = closingIndex(body, i);
      if (c === "'" || c === '"' || c === '`') {
        i = body.indexOf(c, i + 1);
      } else if (end >= 0) {
        i = end;
      }
      continue;
    }
    if (c === ',' || i === body.length) {
      const entry = body.slice(depthStart, i).trim();
      depthStart = i + 1;
      if (entry === '' || entry.startsWith('...')) continue;
      const key = /^['"]?([A-Za-z_$][\w$]*)['"]?\s*(?::|$)/.exec(entry);
      if (key) keys.push(key[1] as string);
    }
  }
  return keys;
}

/** Every Apex call of one component JavaScript file. */
export function apexCalls(file: string): ApexCall[] {
  const source = readFileSync(file, 'utf8');
  const calls: ApexCall[] = [];
  for (const [, local, apex] of source.matchAll(IMPORT)) {
    const uses = new RegExp(`(?:@wire\\(\\s*${local}\\s*,\\s*|[^\\w$.]${local}\\s*\\(\\s*)`, 'g');
    for (const use of source.matchAll(uses)) {
      const next = (use.index ?? 0) + use[0].length;
      const argumentNames =
        source[next] === '{' ? objectKeys(source, next) : source[next] === ')' ? [] : null;
      calls.push({ file, apex: apex as string, argumentNames });
    }
  }
  return calls;
}
