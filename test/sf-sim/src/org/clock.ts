import type { SimClock } from './api.js';
import { SimError } from './api.js';
import { parseDateTime } from './datetime.js';

/** The one simulated clock: real time plus an offset; `onChange` persists the offset. */
export class OffsetClock implements SimClock {
  private offset: number;
  constructor(
    initialOffsetMs: number,
    private readonly onChange: (offsetMs: number) => void,
  ) {
    this.offset = initialOffsetMs;
  }
  now(): Date {
    return new Date(this.nowMs());
  }
  nowMs(): number {
    return Date.now() + this.offset;
  }
  advance(ms: number): void {
    if (!Number.isFinite(ms))
      throw new SimError(
        400,
        'INVALID_INPUT',
        `advanceMs must be a finite number of milliseconds, got ${String(ms)}`,
      );
    this.offset += ms;
    this.onChange(this.offset);
  }
  set(iso: string): void {
    const ms = parseDateTime(iso);
    if (ms === null)
      throw new SimError(
        400,
        'INVALID_INPUT',
        `set must be an ISO-8601 datetime such as 2024-01-01T00:00:00Z, got '${iso}'`,
      );
    this.offset = ms - Date.now();
    this.onChange(this.offset);
  }
  offsetMs(): number {
    return this.offset;
  }
}
