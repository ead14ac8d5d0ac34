/** Parses SOQL with @jetstreamapp/soql-parser-js and turns parse failures into MALFORMED_QUERY. */
import { parseQuery, type Query } from '@jetstreamapp/soql-parser-js';
import { SimError } from '../org/api.js';
import { columnOf, positioned } from './errors.js';

export function parseSoql(soql: string): Query {
  if (typeof soql !== 'string' || soql.trim() === '')
    throw new SimError(400, 'MALFORMED_QUERY', 'SOQL statement cannot be empty');
  if (soql.length > 100_000)
    throw new SimError(400, 'MALFORMED_QUERY', 'SOQL statements cannot be longer than 100,000 characters');
  try {
    return parseQuery(soql);
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
