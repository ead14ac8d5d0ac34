/**
 * Paging shared by every list: `limit` (default 50, at most 1000: larger is clamped, not refused) and opaque
 * cursors. A cursor is base64url JSON of where the next page starts, checked on the way back in, so a tampered
 * or truncated cursor is a clear 400, never a wrong page.
 */
import type { z } from 'zod';
import { AppError } from './app-error.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;

export function pageLimit(limit: number | undefined): number {
  return Math.min(limit ?? DEFAULT_LIMIT, MAX_LIMIT);
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

export function decodeCursor<T>(cursor: string, shape: z.ZodType<T>): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const result = shape.safeParse(parsed);
  if (!result.success)
    throw new AppError('INVALID_CURSOR', 'cursor: not a cursor this list gave out; start again without it');
  return result.data;
}
