/**
 * Fault injection (`POST /__sim/faults`): rules matched against the request path (with its
 * query string) that answer with an error status, destroy the connection, hang, delay, or
 * make a Bulk 2.0 query job fail. Rules are tried in order; the first that matches, wins its
 * `rate` draw and still has `count` left fires. `status` rules (JSON) are also matched against each `/composite`
 * and `/composite/batch` subrequest's url and answer that subrequest alone (rest-composite.ts).
 *
 * `queryTimeout` with `rows: N` stands for a query that runs too long on a large range: a REST
 * query (first page, not COUNT()) whose result holds more than N rows answers 400 QUERY_TIMEOUT
 * "Your query request was running for too long." (REST API, "Status Codes and Error Responses":
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm), and a
 * Bulk 2.0 query job over more than N rows ends Failed with a QUERY_TIMEOUT error message ("a query
 * that doesn't execute within the standard 2-minute timeout limit fails the job with QUERY_TIMEOUT":
 * "How Bulk Queries Are Processed",
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/asynch_api_bulk_query_processing.htm).
 * For a Bulk job the rule's draw happens when the job is created.
 *
 * The `rate` draws are deterministic: each rule draws from its own PRNG seeded from the org's
 * seed, the rule's place in the order rules were added and the rule itself, so two simulators
 * with the same seed, rules and request sequence fail the same requests.
 */
import { hash32, Rng } from '../seed/random.js';

export type FaultAction = 'status' | 'reset' | 'hang' | 'bulkJobFailed' | 'delay' | 'queryTimeout';

export interface FaultRule {
  path: RegExp;
  action: FaultAction;
  status: number;
  errorCode: string;
  message: string;
  /** `html` answers with an HTML page (a CDN or maintenance page) instead of the JSON error array. */
  format: 'json' | 'html';
  rate: number;
  /** Times left to fire; Infinity when unlimited. */
  remaining: number;
  delayMs: number;
  /** `queryTimeout`: the rule fires on queries over more than this many rows. */
  rows: number;
  /** The rule's own draws for `rate` (set when the rule is added). */
  rng?: Rng;
}

const ACTIONS: readonly FaultAction[] = ['status', 'reset', 'hang', 'bulkJobFailed', 'delay', 'queryTimeout'];

const DEFAULT_ERROR: Record<number, [string, string]> = {
  400: ['QUERY_TIMEOUT', 'Your query request was running for too long.'],
  403: ['REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.'],
  420: ['REQUEST_LIMIT_EXCEEDED', 'Request throttled by Salesforce Edge.'],
  500: [
    'UNKNOWN_EXCEPTION',
    'An unexpected error occurred. Please include this ErrorId if you contact support: 1452464078-314667 (-1173371248)',
  ],
  502: ['BAD_GATEWAY', 'Bad Gateway'],
  503: ['SERVER_UNAVAILABLE', 'Server too busy. Please try again later.'],
};

function fail(index: number, problem: string): never {
  throw new Error(`fault rule ${index}: ${problem}`);
}

/** Validates one rule of the admin API body; throws an Error naming the problem. */
export function parseFaultRule(raw: unknown, index: number): FaultRule {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail(index, 'must be an object');
  const r = raw as Record<string, unknown>;
  if (typeof r.path !== 'string' || r.path === '') fail(index, '"path" must be a non-empty regex string');
  let path: RegExp;
  try {
    path = new RegExp(r.path);
  } catch (err) {
    fail(index, `"path" is not a valid regex: ${(err as Error).message}`);
  }
  const delayMs = r.delayMs ?? 0;
  if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0)
    fail(index, '"delayMs" must be a number >= 0');
  const action = r.action ?? (delayMs > 0 ? 'delay' : 'status');
  if (typeof action !== 'string' || !ACTIONS.includes(action as FaultAction)) {
    fail(index, `"action" must be one of ${ACTIONS.join(', ')}`);
  }
  const rows = r.rows ?? 0;
  if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 0)
    fail(index, '"rows" must be a whole number >= 0');
  const status = r.status ?? (action === 'queryTimeout' ? 400 : 503);
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599) {
    fail(index, '"status" must be an HTTP error status (400..599)');
  }
  const defaults = DEFAULT_ERROR[status] ?? ['UNKNOWN_EXCEPTION', `Injected fault (HTTP ${status})`];
  const errorCode = r.errorCode ?? defaults[0];
  if (typeof errorCode !== 'string' || errorCode === '')
    fail(index, '"errorCode" must be a non-empty string');
  const message =
    r.message ??
    (action === 'bulkJobFailed'
      ? 'InternalServerError : the query job failed after 15 retries'
      : r.errorCode === undefined
        ? defaults[1]
        : `Injected fault: ${errorCode}`);
  if (typeof message !== 'string') fail(index, '"message" must be a string');
  const rate = r.rate ?? 1;
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1))
    fail(index, '"rate" must be a number between 0 and 1');
  const count = r.count ?? null;
  if (count !== null && (typeof count !== 'number' || !Number.isInteger(count) || count < 1)) {
    fail(index, '"count" must be a positive integer');
  }
  const format = r.format ?? 'json';
  if (format !== 'json' && format !== 'html') fail(index, '"format" must be "json" or "html"');
  return {
    path,
    action: action as FaultAction,
    status,
    errorCode,
    message,
    format,
    rate,
    remaining: count === null ? Infinity : count,
    delayMs,
    rows,
  };
}

export class FaultInjector {
  private rules: FaultRule[] = [];
  private readonly waiting = new Set<() => void>();
  /** Rules added so far (never reset), numbering each rule's PRNG stream. */
  private added = 0;
  fired = 0;

  /** `seed`: the org's seed value, so the same seed gives the same fault draws. */
  constructor(private readonly seed = '1') {}

  add(rules: FaultRule[]): void {
    for (const rule of rules) {
      const identity = [
        this.seed,
        this.added++,
        rule.path.source,
        rule.action,
        rule.status,
        rule.errorCode,
        rule.rate,
        rule.delayMs,
      ].join('|');
      rule.rng = new Rng(hash32(identity));
    }
    this.rules.push(...rules);
  }

  /** Removes every rule and releases the requests hanging on one. */
  clear(): number {
    const n = this.rules.length;
    this.rules = [];
    for (const release of this.waiting) release();
    this.waiting.clear();
    return n;
  }

  get count(): number {
    return this.rules.length;
  }

  describe(): Array<Record<string, unknown>> {
    return this.rules.map((r) => ({
      path: r.path.source,
      action: r.action,
      status: r.status,
      errorCode: r.errorCode,
      rate: r.rate,
      remaining: Number.isFinite(r.remaining) ? r.remaining : null,
      delayMs: r.delayMs,
      ...(r.action === 'queryTimeout' ? { rows: r.rows } : {}),
    }));
  }

  /**
   * The rule that fires for this request, if any, among those with one of `actions`
   * (bulkJobFailed and queryTimeout rules are consulted by the query and Bulk APIs only);
   * `applies` leaves out rules that do not concern this request (a queryTimeout over few rows).
   */
  match(
    target: string,
    actions: readonly FaultAction[],
    applies: (rule: FaultRule) => boolean = () => true,
  ): FaultRule | undefined {
    for (const rule of this.rules) {
      if (!actions.includes(rule.action) || !rule.path.test(target) || !applies(rule)) continue;
      if (rule.rate < 1 && (rule.rng ??= new Rng(hash32(this.seed))).next() >= rule.rate) continue;
      rule.remaining--;
      if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
      this.fired++;
      return rule;
    }
    return undefined;
  }

  /** Resolves when the rules are cleared (a hanging request then proceeds normally). */
  waitForClear(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const release = (): void => {
        this.waiting.delete(release);
        resolve();
      };
      this.waiting.add(release);
      signal.addEventListener('abort', release, { once: true });
    });
  }
}
