/** API call statistics for `GET /__sim/stats`: counted calls by endpoint kind, and the rest. */
export class CallStats {
  private readonly counted = new Map<string, number>();
  private readonly uncounted = new Map<string, number>();
  private refused = 0;

  record(kind: string, counted: boolean, calls = 1): void {
    const map = counted ? this.counted : this.uncounted;
    map.set(kind, (map.get(kind) ?? 0) + calls);
  }

  /** A call refused because the daily allocation was spent. */
  recordRefused(): void {
    this.refused++;
  }

  toJSON(): Record<string, unknown> {
    let total = 0;
    for (const n of this.counted.values()) total += n;
    return {
      counted: total,
      byKind: Object.fromEntries([...this.counted].sort(([a], [b]) => a.localeCompare(b))),
      uncounted: Object.fromEntries([...this.uncounted].sort(([a], [b]) => a.localeCompare(b))),
      refusedOverLimit: this.refused,
    };
  }
}
