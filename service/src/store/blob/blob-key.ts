/**
 * The key rules both blob stores enforce, so a key that works on one works on the other and none
 * can leave the store's root or prefix: '/'-separated, relative, no empty, `.` or `..` segments,
 * no NUL/CR/LF or backslash, at most 1024 bytes (GCS's object-name limit, prefix included).
 */
import { InvalidBlobKeyError } from './blob-store.js';

const MAX_KEY_BYTES = 1024;
/** The filesystem store keeps in-flight uploads here; no key may live under it. */
export const RESERVED_TOP_SEGMENT = '.incoming';

function checkSegments(key: string, segments: string[], allowEmptyLast: boolean): void {
  segments.forEach((segment, i) => {
    if (segment === '' && !(allowEmptyLast && i === segments.length - 1))
      throw new InvalidBlobKeyError(key, 'empty path segment');
    if (segment === '.' || segment === '..')
      throw new InvalidBlobKeyError(key, `'${segment}' segments are not allowed`);
  });
  if (segments[0] === RESERVED_TOP_SEGMENT)
    throw new InvalidBlobKeyError(key, `'${RESERVED_TOP_SEGMENT}/' is reserved for in-flight uploads`);
}

function checkCharacters(key: string): void {
  if (key.startsWith('/')) throw new InvalidBlobKeyError(key, 'absolute keys are not allowed (no leading /)');
  if (/[\0\r\n\\]/.test(key)) throw new InvalidBlobKeyError(key, 'NUL, CR, LF and backslash are not allowed');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES)
    throw new InvalidBlobKeyError(key, `longer than ${MAX_KEY_BYTES} bytes`);
}

/** Returns the key unchanged when it is valid; throws InvalidBlobKeyError naming the problem otherwise. */
export function validateBlobKey(key: unknown): string {
  if (typeof key !== 'string') throw new InvalidBlobKeyError(String(key), 'not a string');
  if (key === '') throw new InvalidBlobKeyError(key, 'empty key');
  checkCharacters(key);
  checkSegments(key, key.split('/'), false);
  return key;
}

/** A list prefix: '' (everything) or a key start, which may end in '/' or part-way through a segment. */
export function validateBlobPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string') throw new InvalidBlobKeyError(String(prefix), 'prefix is not a string');
  if (prefix === '') return prefix;
  checkCharacters(prefix);
  const segments = prefix.split('/');
  // The last segment may be partial ('packs/Acc'); '..' there would still be a full segment name.
  checkSegments(prefix, segments, true);
  return prefix;
}

export interface ValidRange {
  start: number;
  end: number;
}

/** Checks a caller's inclusive byte range (integers, 0 <= start <= end). */
export function validateRange(key: string, range: { start: number; end: number }): ValidRange {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(
      `invalid byte range [${start}, ${end}] for ${key}: need integers with 0 <= start <= end`,
    );
  }
  return { start, end };
}

export function rangeBeyondEnd(key: string, start: number, size?: number): RangeError {
  return new RangeError(
    `byte range starting at ${start} is beyond the end of ${key}${size === undefined ? '' : ` (${size} bytes)`}`,
  );
}
