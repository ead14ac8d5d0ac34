/** `Range: bytes=…` for media downloads: `a-b`, `a-` and the suffix form `-n`. */
import { gcsErrors } from './errors.js';

export interface ResolvedRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/** Undefined = whole object (no header, or a form GCS would ignore). */
export function resolveRange(header: string | undefined, size: number): ResolvedRange | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const [, from = '', to = ''] = match;
  let start: number;
  let end: number;
  if (from === '') {
    const suffix = Number(to);
    if (suffix === 0) throw gcsErrors.rangeNotSatisfiable(header, size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(from);
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
    if (to !== '' && Number(to) < start) return undefined; // syntactically invalid: whole object, as HTTP says
  }
  if (start >= size) throw gcsErrors.rangeNotSatisfiable(header, size);
  return { start, end };
}
