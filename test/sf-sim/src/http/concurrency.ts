/**
 * The concurrent long-running API request limit (Salesforce Developer Limits and Allocations Quick Reference,
 * "API Request Limits and Allocations": https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm): an org lets
 * at most 25 API requests (Developer Edition: 5) run for 20 seconds or longer at the same time.
 * While that many long requests are still running, every new API request is refused with 403
 * REQUEST_LIMIT_EXCEEDED "ConcurrentPerOrgLongTxn Limit exceeded." until one of them ends.
 *
 * A request's age is the larger of the real time and the simulated time it has been running, so a
 * test can make requests held by a hang or delay fault "long" by advancing the simulated clock
 * instead of waiting 20 seconds. Both numbers are set with `POST /__sim/limits`
 * (`concurrentLongRequests`, `longRequestMs`).
 */
export const DEFAULT_CONCURRENT_LONG_REQUESTS = 25;
export const DEFAULT_LONG_REQUEST_MS = 20_000;
export const LONG_REQUEST_LIMIT_MESSAGE = 'ConcurrentPerOrgLongTxn Limit exceeded.';

interface Running {
  realStartMs: number;
  simStartMs: number;
}

export class LongRequestLimit {
  private readonly running = new Set<Running>();
  private maxLong = DEFAULT_CONCURRENT_LONG_REQUESTS;
  private longMs = DEFAULT_LONG_REQUEST_MS;
  /** Requests refused because of this limit. */
  refused = 0;

  constructor(
    private readonly simNow: () => number,
    private readonly realNow: () => number = () => performance.now(),
  ) {}

  get limit(): number {
    return this.maxLong;
  }

  get longRequestMs(): number {
    return this.longMs;
  }

  /** Sets the limit (how many long requests may run at once) and/or the age that makes a request long. */
  configure(opts: { limit?: number; longRequestMs?: number }): void {
    if (opts.limit !== undefined && (!Number.isInteger(opts.limit) || opts.limit < 1))
      throw new Error(`concurrentLongRequests must be a positive integer, got ${opts.limit}`);
    if (opts.longRequestMs !== undefined && (!Number.isFinite(opts.longRequestMs) || opts.longRequestMs < 0))
      throw new Error(`longRequestMs must be a number >= 0, got ${opts.longRequestMs}`);
    if (opts.limit !== undefined) this.maxLong = opts.limit;
    if (opts.longRequestMs !== undefined) this.longMs = opts.longRequestMs;
  }

  /** Requests running now that have run for `longRequestMs` or more. */
  longCount(): number {
    const real = this.realNow();
    const sim = this.simNow();
    let n = 0;
    for (const r of this.running) {
      if (Math.max(real - r.realStartMs, sim - r.simStartMs) >= this.longMs) n++;
    }
    return n;
  }

  /**
   * Admits a request: returns the function to call when it ends (idempotent), or null when the
   * org already has `limit` long requests running.
   */
  admit(): (() => void) | null {
    if (this.longCount() >= this.maxLong) {
      this.refused++;
      return null;
    }
    const entry: Running = { realStartMs: this.realNow(), simStartMs: this.simNow() };
    this.running.add(entry);
    return () => {
      this.running.delete(entry);
    };
  }

  toJSON(): Record<string, number> {
    return {
      limit: this.maxLong,
      longRequestMs: this.longMs,
      running: this.running.size,
      long: this.longCount(),
      refused: this.refused,
    };
  }
}
