import { randomBytes } from 'node:crypto';
import { to18 } from '../org/ids.js';

const ID_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Random characters safe inside an access token (the CLI accepts `[.\w]` after the `!`). */
export function tokenChars(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ID_CHARS[b % ID_CHARS.length];
  return out;
}

/** A fresh random 18-character Id with the given 3-character key prefix (e.g. 750 for a Bulk job). */
export function randomId(prefix: string): string {
  return to18(prefix + tokenChars(12));
}
