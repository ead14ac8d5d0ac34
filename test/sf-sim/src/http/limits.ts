/**
 * The org's daily API request allocation: a rolling 24-hour window on the simulated clock
 * (Salesforce Developer Limits and Allocations Quick Reference, "API Request Limits and Allocations":
 * https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm). Calls are kept in one-minute buckets, so the memory
 * stays at most 1,440 numbers however many calls are made.
 */
const WINDOW_MS = 24 * 60 * 60 * 1000;
const BUCKET_MS = 60 * 1000;

export const DEFAULT_DAILY_API_REQUESTS = 100_000;

export class ApiLimits {
  private readonly buckets = new Map<number, number>();
  private maxRequests: number;

  constructor(
    private readonly now: () => number,
    maxRequests = DEFAULT_DAILY_API_REQUESTS,
  ) {
    this.maxRequests = maxRequests;
  }

  get max(): number {
    return this.maxRequests;
  }

  setMax(max: number): void {
    if (!Number.isInteger(max) || max < 0)
      throw new Error(`dailyApiRequests must be a non-negative integer, got ${max}`);
    this.maxRequests = max;
  }

  /** Calls made in the last 24 simulated hours. */
  used(): number {
    const nowBucket = Math.floor(this.now() / BUCKET_MS);
    const oldest = nowBucket - WINDOW_MS / BUCKET_MS + 1;
    let total = 0;
    for (const [bucket, count] of this.buckets) {
      if (bucket < oldest) this.buckets.delete(bucket);
      else total += count;
    }
    return total;
  }

  remaining(): number {
    return Math.max(0, this.maxRequests - this.used());
  }

  /**
   * Records `n` calls. Returns false when the allocation was already spent before them:
   * Salesforce still counts the refused call, so `api-usage` shows used > max.
   */
  consume(n = 1): boolean {
    const allowed = this.used() < this.maxRequests;
    const bucket = Math.floor(this.now() / BUCKET_MS);
    this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + n);
    return allowed;
  }

  /** `api-usage=N/M`, the value of the `Sforce-Limit-Info` header. */
  header(): string {
    return `api-usage=${this.used()}/${this.maxRequests}`;
  }

  /** Forgets every counted call (a fresh day). */
  reset(): void {
    this.buckets.clear();
  }
}
