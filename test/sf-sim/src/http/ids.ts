import { randomBytes } from 'node:crypto';

const SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const ID_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The 18-character, case-insensitive form of a 15-character Salesforce Id (3 checksum chars). */
export function to18(id15: string): string {
  if (id15.length === 18) return id15;
  if (id15.length !== 15) throw new Error(`not a 15-character Salesforce Id: ${id15}`);
  let suffix = '';
  for (let group = 0; group < 3; group++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const ch = id15.charCodeAt(group * 5 + i);
      if (ch >= 65 && ch <= 90) bits |= 1 << i;
    }
    suffix += SUFFIX_CHARS[bits];
  }
  return id15 + suffix;
}

/** A fresh random 18-character Id with the given 3-character key prefix (e.g. 750 for a Bulk job). */
export function randomId(prefix: string): string {
  const bytes = randomBytes(12);
  let body = '';
  for (const b of bytes) body += ID_CHARS[b % ID_CHARS.length];
  return to18(prefix + body);
}

/** Random characters safe inside an access token (the CLI accepts `[.\w]` after the `!`). */
export function tokenChars(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ID_CHARS[b % ID_CHARS.length];
  return out;
}

/** Salesforce's JSON datetime: milliseconds always, `+0000` offset (facts §0). */
export function sfDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}
