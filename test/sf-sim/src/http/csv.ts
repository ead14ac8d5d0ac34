/**
 * Bulk API 2.0 CSV encoding (facts §4.4): every header and value double-quoted, embedded quotes
 * doubled, null as an empty quoted field, the job's delimiter and line ending.
 */
export const DELIMITERS: Record<string, string> = {
  BACKQUOTE: '`',
  CARET: '^',
  COMMA: ',',
  PIPE: '|',
  SEMICOLON: ';',
  TAB: '\t',
};

export const LINE_ENDINGS: Record<string, string> = { LF: '\n', CRLF: '\r\n' };

function quote(value: string | null): string {
  if (value === null || value === '') return '""';
  return value.includes('"') ? `"${value.replaceAll('"', '""')}"` : `"${value}"`;
}

export function csvLine(values: readonly (string | null)[], delimiter: string, lineEnding: string): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += delimiter;
    line += quote(values[i] ?? null);
  }
  return line + lineEnding;
}
