/**
 * Fault injection for retry tests: an outage switch (every API request answers 503) and rules
 * that fail matching requests with a status or a connection reset, a number of times or at a rate.
 */

export interface FaultRuleInput {
  /** Regular expression tested against the request path with its query string, e.g. `^/upload/`. */
  path: string;
  /** Only requests with this method (any when absent). */
  method?: string;
  /**
   * `status` (default) answers `status`; `reset` destroys the connection without an answer;
   * `corrupt` serves a media download with its first byte flipped (headers, hashes unchanged).
   */
  action?: 'status' | 'reset' | 'corrupt';
  /** HTTP status to answer with (default 503). */
  status?: number;
  /** Fail this many matching requests, then the rule is spent (unlimited when absent). */
  count?: number;
  /** Probability (0..1] that a matching request fails (default 1). */
  rate?: number;
}

export interface FaultRule {
  path: RegExp;
  method: string | undefined;
  action: 'status' | 'reset' | 'corrupt';
  status: number;
  remaining: number;
  rate: number;
  hits: number;
}

export type FaultDecision =
  { action: 'status'; status: number } | { action: 'reset' } | { action: 'corrupt' } | undefined;

export function parseFaultRules(input: unknown): FaultRule[] {
  if (!Array.isArray(input))
    throw new Error('fault rules must be an array of {path, status?, action?, count?, rate?, method?}');
  return input.map((raw: unknown, i) => {
    if (typeof raw !== 'object' || raw === null) throw new Error(`fault rule ${i}: not an object`);
    const r = raw as Record<string, unknown>;
    if (typeof r.path !== 'string')
      throw new Error(`fault rule ${i}: "path" (a regular expression string) is required`);
    let path: RegExp;
    try {
      path = new RegExp(r.path);
    } catch (e) {
      throw new Error(`fault rule ${i}: "path" is not a valid regular expression: ${(e as Error).message}`);
    }
    const action = r.action ?? 'status';
    if (action !== 'status' && action !== 'reset' && action !== 'corrupt')
      throw new Error(`fault rule ${i}: "action" must be "status", "reset" or "corrupt"`);
    const status = r.status ?? 503;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599) {
      throw new Error(`fault rule ${i}: "status" must be an HTTP error status (400-599)`);
    }
    const count = r.count ?? Infinity;
    if (typeof count !== 'number' || !(count > 0))
      throw new Error(`fault rule ${i}: "count" must be a positive number`);
    const rate = r.rate ?? 1;
    if (typeof rate !== 'number' || !(rate > 0 && rate <= 1))
      throw new Error(`fault rule ${i}: "rate" must be in (0, 1]`);
    if (r.method !== undefined && typeof r.method !== 'string')
      throw new Error(`fault rule ${i}: "method" must be a string`);
    return {
      path,
      method: r.method?.toUpperCase(),
      action,
      status,
      remaining: count,
      rate,
      hits: 0,
    };
  });
}

export class FaultInjector {
  outage = false;
  private rules: FaultRule[] = [];
  injected = 0;

  add(rules: FaultRule[]): void {
    this.rules.push(...rules);
  }

  clear(): void {
    this.rules = [];
  }

  describe(): Array<{
    path: string;
    method?: string;
    action: string;
    status: number;
    remaining: number | null;
    rate: number;
    hits: number;
  }> {
    return this.rules.map((r) => ({
      path: r.path.source,
      ...(r.method !== undefined && { method: r.method }),
      action: r.action,
      status: r.status,
      remaining: Number.isFinite(r.remaining) ? r.remaining : null,
      rate: r.rate,
      hits: r.hits,
    }));
  }

  /** Decides the fate of one API request (spent rules stay listed with remaining 0). */
  decide(method: string, url: string): FaultDecision {
    if (this.outage) {
      this.injected++;
      return { action: 'status', status: 503 };
    }
    for (const rule of this.rules) {
      if (rule.remaining <= 0) continue;
      if (rule.method && rule.method !== method.toUpperCase()) continue;
      if (!rule.path.test(url)) continue;
      if (rule.rate < 1 && Math.random() >= rule.rate) continue;
      rule.remaining--;
      rule.hits++;
      this.injected++;
      return rule.action === 'status' ? { action: 'status', status: rule.status } : { action: rule.action };
    }
    return undefined;
  }
}
