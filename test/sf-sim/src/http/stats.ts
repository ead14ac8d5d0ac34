/**
 * API call statistics for `GET /__sim/stats`: counted calls by endpoint kind, and the rest; and
 * how the wire was encoded (responses and request bodies by content coding, response bytes before
 * and after compression), so tests and benchmarks can see what a client asked for.
 */
export class CallStats {
  private readonly counted = new Map<string, number>();
  private readonly uncounted = new Map<string, number>();
  private refused = 0;
  private readonly responseCodings = new Map<string, number>();
  private readonly requestCodings = new Map<string, number>();
  private bodyBytes = 0;
  private wireBytes = 0;

  record(kind: string, counted: boolean, calls = 1): void {
    const map = counted ? this.counted : this.uncounted;
    map.set(kind, (map.get(kind) ?? 0) + calls);
  }

  /** A call refused because the daily allocation was spent. */
  recordRefused(): void {
    this.refused++;
  }

  /** A Salesforce-API response body: its coding (`identity` when uncompressed) and sizes. */
  recordResponse(coding: string, bodyBytes: number, wireBytes: number): void {
    this.responseCodings.set(coding, (this.responseCodings.get(coding) ?? 0) + 1);
    this.bodyBytes += bodyBytes;
    this.wireBytes += wireBytes;
  }

  /** A request body that came with a `Content-Encoding`. */
  recordRequestCoding(coding: string): void {
    this.requestCodings.set(coding, (this.requestCodings.get(coding) ?? 0) + 1);
  }

  toJSON(): Record<string, unknown> {
    let total = 0;
    for (const n of this.counted.values()) total += n;
    const sorted = (m: Map<string, number>) =>
      Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));
    return {
      counted: total,
      byKind: sorted(this.counted),
      uncounted: sorted(this.uncounted),
      refusedOverLimit: this.refused,
      compression: {
        responses: sorted(this.responseCodings),
        requestBodies: sorted(this.requestCodings),
        responseBodyBytes: this.bodyBytes,
        responseWireBytes: this.wireBytes,
      },
    };
  }
}
