/**
 * The org's clock, as its responses tell it (the `Date` header), never the service host's. Backups bound their
 * windows by this clock so a skewed host cannot hide or invent records.
 */
/**
 * The org's time now, from the Date header of the unauthenticated API versions resource (`GET /services/data/`,
 * REST API Developer Guide, "Versions"): no session and no API request counted, so the scheduler can follow
 * every org's clock cheaply.
 */
export async function probeOrgClock(instanceUrl: string, timeoutMs = 5000): Promise<Date> {
  const response = await fetch(new URL('/services/data/', instanceUrl), {
    signal: AbortSignal.timeout(timeoutMs),
  });
  await response.body?.cancel();
  const date = Date.parse(response.headers.get('date') ?? '');
  if (Number.isNaN(date)) throw new Error(`${instanceUrl} answered without a Date header`);
  return new Date(date);
}

export class OrgClock {
  /** org time − local time, in ms; undefined until the first response. */
  private offsetMs: number | undefined;

  /** Feeds one response's Date header, read at local time `receivedAtMs`. */
  observe(dateHeader: string | undefined, receivedAtMs: number = Date.now()): void {
    if (!dateHeader) return;
    const orgMs = Date.parse(dateHeader);
    if (Number.isNaN(orgMs)) return;
    // The header has whole seconds and is stamped before the response travels: it is a lower bound of org time.
    // Keep the largest lower bound seen recently, but follow the org when its clock is moved back.
    const offset = orgMs - receivedAtMs;
    if (this.offsetMs === undefined || offset > this.offsetMs || this.offsetMs - offset > 2000)
      this.offsetMs = offset;
  }

  get known(): boolean {
    return this.offsetMs !== undefined;
  }

  /** The org's current time (a lower bound within about a second). Throws before any response was seen. */
  now(localMs: number = Date.now()): Date {
    if (this.offsetMs === undefined) throw new Error('the org clock is not known yet: no response seen');
    return new Date(localMs + this.offsetMs);
  }
}
