/**
 * SOQL string literals (SOQL and SOSL Reference, "Quoted String Escape Sequences",
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_quotedstringescapes.htm):
 * `\n \r \t \b \f \" \' \\` and `\uXXXX` anywhere (letters in either case); `\_` and `\%` only in a
 * LIKE pattern, where they match a literal underscore or percent sign. Any other backslash is an
 * error.
 */
import { SimError } from '../org/api.js';

const SIMPLE: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
};

function illegal(literal: string, sequence: string): SimError {
  return new SimError(
    400,
    'MALFORMED_QUERY',
    `Invalid string literal '${literal}'. Illegal character sequence '${sequence}' in string literal.`,
  );
}

type Piece = { text: string } | { wildcard: '%' | '_' };

/** Splits a quoted literal into text and (for LIKE) unescaped wildcards. */
function pieces(literal: string, like: boolean): Piece[] {
  const inner = literal.startsWith("'") && literal.endsWith("'") ? literal.slice(1, -1) : literal;
  const out: Piece[] = [];
  let text = '';
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i]!;
    if (ch === '\\') {
      const next = inner[i + 1] ?? '';
      const simple = SIMPLE[next.toLowerCase()] ?? SIMPLE[next];
      if (simple !== undefined) {
        text += simple;
        i++;
      } else if ((next === 'u' || next === 'U') && /^[0-9a-fA-F]{4}$/.test(inner.slice(i + 2, i + 6))) {
        text += String.fromCharCode(parseInt(inner.slice(i + 2, i + 6), 16));
        i += 5;
      } else if (like && (next === '_' || next === '%')) {
        text += next;
        i++;
      } else {
        throw illegal(inner, `\\${next}`);
      }
    } else if (like && (ch === '%' || ch === '_')) {
      if (text) out.push({ text });
      text = '';
      out.push({ wildcard: ch });
    } else {
      text += ch;
    }
  }
  if (text) out.push({ text });
  return out;
}

/** The value of a quoted string literal outside LIKE. */
export function stringValue(literal: string): string {
  return pieces(literal, false)
    .map((p) => ('text' in p ? p.text : p.wildcard))
    .join('');
}

/** A case-insensitive matcher for a LIKE pattern: `%` any run, `_` one character, escapes literal. */
export function likeMatcher(literal: string): RegExp {
  const body = pieces(literal, true)
    .map((p) =>
      'text' in p ? p.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : p.wildcard === '%' ? '.*' : '.',
    )
    .join('');
  return new RegExp(`^${body}$`, 'isu');
}
