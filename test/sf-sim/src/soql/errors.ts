/** SOQL error bodies as Salesforce words them (facts §3.2, §3.3). */
import { SimError } from '../org/api.js';

/** Column (1-based) of the first whole-word, case-insensitive occurrence of `token` at or after `from`. */
export function columnOf(soql: string, token: string, from = 0): number {
  const hay = soql.toLowerCase();
  const needle = token.toLowerCase();
  let at = hay.indexOf(needle, from);
  while (at >= 0) {
    const before = at === 0 ? ' ' : hay[at - 1]!;
    const after = hay[at + needle.length] ?? ' ';
    if (!/[a-z0-9_]/.test(before) && !/[a-z0-9_]/.test(after)) return at + 1;
    at = hay.indexOf(needle, at + 1);
  }
  return 1;
}

/** The multi-line message: newline, the query, a caret line, `ERROR at Row:1:Column:N`, the text. */
export function positioned(soql: string, column: number, text: string): string {
  const oneLine = soql.replace(/\r?\n/g, ' ');
  return `\n${oneLine}\n${' '.repeat(Math.max(0, column - 1))}^\nERROR at Row:1:Column:${column}\n${text}`;
}

export function noSuchColumn(soql: string, field: string, objectName: string, from = 0): SimError {
  return new SimError(
    400,
    'INVALID_FIELD',
    positioned(
      soql,
      columnOf(soql, field, from),
      `No such column '${field}' on entity '${objectName}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
    ),
  );
}

export function noSuchRelationship(soql: string, rel: string, objectName: string, from = 0): SimError {
  return new SimError(
    400,
    'INVALID_FIELD',
    positioned(
      soql,
      columnOf(soql, rel, from),
      `Didn't understand relationship '${rel}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
    ),
  );
}

export function unsupportedType(soql: string, objectName: string): SimError {
  return new SimError(
    400,
    'INVALID_TYPE',
    positioned(
      soql,
      columnOf(soql, objectName),
      `sObject type '${objectName}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
    ),
  );
}

export function malformed(soql: string, text: string, column?: number): SimError {
  return new SimError(400, 'MALFORMED_QUERY', column === undefined ? text : positioned(soql, column, text));
}

export function invalidFilterValue(soql: string, field: string, type: string, quoted: boolean): SimError {
  const text = quoted
    ? `value of filter criterion for field '${field}' must be of type ${type} and should not be enclosed in quotes`
    : `value of filter criterion for field '${field}' must be of type ${type}`;
  return new SimError(400, 'INVALID_FIELD', positioned(soql, columnOf(soql, field), text));
}

export function filterOperator(soql: string, field: string, text: string): SimError {
  return new SimError(400, 'INVALID_QUERY_FILTER_OPERATOR', positioned(soql, columnOf(soql, field), text));
}
