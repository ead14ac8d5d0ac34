/** Parses SOQL with @jetstreamapp/soql-parser-js and turns parse failures into MALFORMED_QUERY. */
import { parseQuery, type Query } from '@jetstreamapp/soql-parser-js';
import { SimError } from '../org/api.js';
import { columnOf, positioned } from './errors.js';

/** `GROUPING(f) DESC NULLS LAST` in ORDER BY, which the parser takes only without a direction. */
const GROUPING_ORDER =
  /\bGROUPING\s*\(\s*[\w.]+\s*\)(\s+(?:(?:ASC|DESC)\b(?:\s+NULLS\s+(?:FIRST|LAST)\b)?|NULLS\s+(?:FIRST|LAST)\b))?/gi;

/**
 * "GROUPING(fieldName)" may order the rows (SOQL and SOSL Reference), with ASC/DESC and NULLS like
 * any ORDER BY key; the parser refuses a direction after it, so the direction is taken out before
 * parsing and put back on the parsed key.
 */
function parseWithGroupingOrder(soql: string): Query {
  const orderAt = soql.search(/\bORDER\s+BY\b/i);
  if (orderAt < 0 || !/\bGROUPING\s*\(/i.test(soql.slice(orderAt))) return parseQuery(soql);
  const directions: string[] = [];
  const tail = soql.slice(orderAt).replace(GROUPING_ORDER, (m: string, dir: string | undefined) => {
    directions.push((dir ?? '').trim().toUpperCase());
    return dir ? m.slice(0, m.length - dir.length) : m;
  });
  const q = parseQuery(soql.slice(0, orderAt) + tail);
  const keys = (Array.isArray(q.orderBy) ? q.orderBy : q.orderBy ? [q.orderBy] : []) as {
    fn?: { functionName?: string };
    order?: string;
    nulls?: string;
  }[];
  for (const k of keys) {
    if (String(k.fn?.functionName).toUpperCase() !== 'GROUPING') continue;
    const dir = directions.shift() ?? '';
    const order = /^(ASC|DESC)/.exec(dir)?.[1];
    const nulls = /NULLS\s+(FIRST|LAST)/.exec(dir)?.[1];
    if (order) k.order = order;
    if (nulls) k.nulls = nulls;
  }
  return q;
}

export function parseSoql(soql: string): Query {
  if (typeof soql !== 'string' || soql.trim() === '')
    throw new SimError(400, 'MALFORMED_QUERY', 'SOQL statement cannot be empty');
  if (soql.length > 100_000)
    throw new SimError(400, 'MALFORMED_QUERY', 'SOQL statements cannot be longer than 100,000 characters');
  try {
    return parseWithGroupingOrder(soql);
  } catch (e) {
    const message = (e as Error).message ?? '';
    // The parser reports "...but found: 'TOKEN'" (unquoted for redundant input, e.g. HAVING
    // without GROUP BY); Salesforce says "unexpected token: 'TOKEN'".
    const found = /but found: (?:'([^']*)'|([^\s']+))/.exec(message);
    if (found) {
      const token = found[1] ?? found[2]!;
      if (token === '')
        throw new SimError(
          400,
          'MALFORMED_QUERY',
          positioned(soql, soql.length + 1, 'unexpected token: <EOF>'),
        );
      // A wrong first keyword gets the short form Salesforce uses ("unexpected token: SELEKT").
      if (columnOf(soql, token) === 1 && soql.trimStart().toLowerCase().startsWith(token.toLowerCase()))
        throw new SimError(400, 'MALFORMED_QUERY', `unexpected token: ${token}`);
      throw new SimError(
        400,
        'MALFORMED_QUERY',
        positioned(soql, columnOf(soql, token), `unexpected token: '${token}'`),
      );
    }
    const first = soql.trim().split(/\s+/)[0] ?? '';
    if (first.toUpperCase() !== 'SELECT')
      throw new SimError(400, 'MALFORMED_QUERY', `unexpected token: ${first}`);
    throw new SimError(400, 'MALFORMED_QUERY', positioned(soql, 1, `unexpected token: '${first}'`));
  }
}
