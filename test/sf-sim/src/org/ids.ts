/**
 * Salesforce record Ids: 15-char case-sensitive form plus the 3-char case-insensitivity suffix.
 * The suffix: split the 15 chars into 3 groups of 5; bit i of a group is set when char i is A–Z;
 * each 5-bit value indexes "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345".
 */
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const ID_CHARS = /^[a-zA-Z0-9]{15}$|^[a-zA-Z0-9]{18}$/;

export function checksumSuffix(id15: string): string {
  let out = '';
  for (let group = 0; group < 3; group++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(group * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    out += SUFFIX_ALPHABET[bits];
  }
  return out;
}

export function to18(id: string): string {
  if (id.length === 18) return id.slice(0, 15) + checksumSuffix(id.slice(0, 15));
  return id + checksumSuffix(id);
}

/** True for a syntactically valid 15- or 18-char Id (18-char suffix must match). */
export function isValidId(id: string): boolean {
  if (!ID_CHARS.test(id)) return false;
  if (id.length === 18) return checksumSuffix(id.slice(0, 15)) === id.slice(15).toUpperCase();
  return true;
}

/** Normalises a 15/18-char Id to its canonical 18-char form, or null when it is not an Id. */
export function normaliseId(id: string): string | null {
  if (!isValidId(id)) return null;
  return to18(id.slice(0, 15));
}

const BASE36 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Builds the Id for record number `n` of a key prefix. Layout: prefix(3) + pod(2) + 10 base-36
 * digits, upper-case only, so string order equals creation order (handy for Id range scans).
 */
export function makeId(keyPrefix: string, pod: string, n: number): string {
  let digits = '';
  let v = n;
  for (let i = 0; i < 10; i++) {
    digits = BASE36[v % 36] + digits;
    v = Math.floor(v / 36);
  }
  return to18(keyPrefix + pod + digits);
}

/** Inverse of makeId for Ids of this layout; null when the Id does not match it. */
export function idNumber(id: string, keyPrefix: string, pod: string): number | null {
  if (id.slice(0, 5) !== keyPrefix + pod) return null;
  let n = 0;
  for (let i = 5; i < 15; i++) {
    const d = BASE36.indexOf(id[i] ?? '');
    if (d < 0) return null;
    n = n * 36 + d;
  }
  return n;
}

/** Custom object key prefixes a00…a0Z, a10…: the k-th custom object of the org. */
export function customKeyPrefix(k: number): string {
  const chars = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  return 'a' + chars[Math.floor(k / 62) % 62] + chars[k % 62];
}
