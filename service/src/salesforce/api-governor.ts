/**
 * The API budget governor: before each call to an org, the session asks it for leave, so the service's own calls
 * stay under its share of the org's daily allowance, across every replica (the ledger lives in PostgreSQL:
 * store/budget/api-ledger.ts, one short transaction under the org's row lock per call).
 *
 * Rules, over the rolling 24 hours of the ORG's clock (moving the org's clock a day frees the day's calls, as a
 * real rolling day does):
 * - Ceiling: at most floor(share × max) own calls, `max` from the latest `Sforce-Limit-Info` (before one is known,
 *   a call is let through to learn it). The share is the org's setting (`orgs.api_budget_share`).
 * - The org's own total: never pushed past its max minus a small headroom (other integrations use it too):
 *   the latest `api-usage` any replica saw, plus the calls granted since the call that reported it.
 * - Check reserve: `check` and `schema` calls have a reserve that `backfill` and `files` cannot use, sized from what
 *   checks and scans used over the last day plus a floor, so a backfill runs at full speed while the
 *   ceiling allows but never spends the day so that continuous checks starve for the rest of it.
 * - Files: at most `filesShare` of the ceiling.
 * - Blocked: after Salesforce answered "TotalRequests Limit exceeded", nothing until the block ends; then one call
 *   probes (the others keep waiting) and a success lifts the block.
 * A refusal is a BudgetExhaustedError with the kind and the org time when enough allowance ages out.
 */
import type { ApiCallKind } from './session.js';

export const API_CALL_KINDS: readonly ApiCallKind[] = ['backfill', 'check', 'schema', 'files'];

/** How long the org's refusal (TotalRequests) blocks calls before one probes again, in org time. */
export const BLOCK_PROBE_MS = 15 * 60_000;
/** Reported usage older than this (org time) no longer limits calls: the next call reports it afresh. */
export const USAGE_STALE_MS = 15 * 60_000;
/** The org's total is kept this share of its max below the max, for the org's other integrations. */
const ORG_HEADROOM_SHARE = 0.01;
const DAY_MS = 24 * 3600_000;

export interface BudgetRules {
  /** Files' share of the ceiling (AUTOBACKUP_FILES_BUDGET_SHARE). */
  filesShare: number;
  /** The check reserve is at least this share of the ceiling … */
  checkReserveShare: number;
  /** … and at least this many calls. */
  checkReserveMin: number;
}

export const DEFAULT_BUDGET_RULES: BudgetRules = {
  filesShare: 0.3,
  checkReserveShare: 0.01,
  checkReserveMin: 10,
};

/** The latest `api-usage` the session saw, with the grant sequence number of the call that reported it. */
export interface SeenUsage {
  used: number;
  max: number;
  seq: number;
  /** Org time of the response. */
  at: Date;
}

/** What the ledger holds for an org, read under its lock. */
export interface LedgerState {
  share: number;
  /** Calls granted so far (the next grant's sequence number is this + 1). */
  granted: number;
  /** The newest usage any replica reported. */
  usage: SeenUsage | null;
  blockedUntil: Date | null;
  /** Own calls per kind over the rolling 24 hours ending at the org's now. */
  window: Record<ApiCallKind, number>;
}

/** What must age out of the ledger before a refused call may go. */
export interface AgeOut {
  kinds: readonly ApiCallKind[];
  calls: number;
}

export type Ruling =
  { grant: true; probe: boolean } | { grant: false; reason: BudgetRefusal; until?: Date; ageOut?: AgeOut[] };

export type BudgetRefusal = 'service-share' | 'check-reserve' | 'files-share' | 'org-limit' | 'blocked';

/** The budget figures of the rolling day, as the dashboard shows them. */
export interface BudgetFigures {
  /** Own calls in the rolling 24 hours. */
  serviceUsed: number;
  /** The ceiling: floor(share × max), 0 before the max is known. */
  serviceMax: number;
}

export function ceilingOf(share: number, max: number): number {
  return Math.floor(share * max);
}

/**
 * How many calls `check` and `schema` keep for themselves out of `ceiling` over a rolling day: what they used over
 * the last one (what continuous checks need in a day) plus a floor (1 % of the ceiling, at least 10 calls) for
 * growth and for the first day, at most half the ceiling.
 */
export function checkReserve(ceiling: number, checksUsed: number, rules: BudgetRules): number {
  const floor = Math.max(rules.checkReserveMin, Math.ceil(rules.checkReserveShare * ceiling));
  return Math.min(Math.floor(ceiling / 2), checksUsed + floor);
}

/** The governor's rules for one call of `kind` at org time `now`: grant it (maybe as a probe) or say why not. */
export function rule(state: LedgerState, kind: ApiCallKind, now: Date, rules: BudgetRules): Ruling {
  if (state.blockedUntil) {
    if (state.blockedUntil > now) return { grant: false, reason: 'blocked', until: state.blockedUntil };
    // One call probes whatever the last usage said (the org's max may have changed with its refusal).
    return { grant: true, probe: true };
  }
  const usage = state.usage;
  if (usage) {
    const w = state.window;
    const own = w.backfill + w.check + w.schema + w.files;
    const checks = w.check + w.schema;
    const ceiling = ceilingOf(state.share, usage.max);
    const ageOut: AgeOut[] = [];
    if (own + 1 > ceiling) ageOut.push({ kinds: API_CALL_KINDS, calls: own + 1 - ceiling });
    if (kind === 'backfill' || kind === 'files') {
      const open = ceiling - checkReserve(ceiling, checks, rules);
      const spent = own - checks;
      if (spent + 1 > open) ageOut.push({ kinds: ['backfill', 'files'], calls: spent + 1 - open });
    }
    if (kind === 'files') {
      const filesCap = Math.floor(rules.filesShare * ceiling);
      if (w.files + 1 > filesCap) ageOut.push({ kinds: ['files'], calls: w.files + 1 - filesCap });
    }
    if (ageOut.length > 0) {
      const reason: BudgetRefusal =
        own + 1 > ceiling
          ? 'service-share'
          : ageOut.some((a) => a.kinds.length === 1)
            ? 'files-share'
            : 'check-reserve';
      return { grant: false, reason, ageOut };
    }
    // The org's total, unless the report is stale (then this call reports it afresh).
    const fresh = now.getTime() - usage.at.getTime() < USAGE_STALE_MS;
    const estimate = usage.used + (state.granted - usage.seq);
    const orgCap = usage.max - Math.ceil(ORG_HEADROOM_SHARE * usage.max);
    if (fresh && estimate + 1 > orgCap)
      return { grant: false, reason: 'org-limit', until: new Date(usage.at.getTime() + USAGE_STALE_MS) };
  }
  return { grant: true, probe: false };
}

/** The org time at which a ledger bucket's calls leave the rolling day. */
export function agedOutAt(minute: Date): Date {
  return new Date(minute.getTime() + DAY_MS);
}

/** The leave to make one call: its grant sequence number, and whether it probes a block. */
export interface ApiPermit {
  seq: number;
  probe: boolean;
}

/** The governor's shared store (store/budget/api-ledger.ts). */
export interface ApiLedger {
  /**
   * Under the org's lock: records `seen` if newer, reads the state, asks `decide`, and records a granted call of
   * `kind` at org time `now` (a probe also moves the block on by BLOCK_PROBE_MS, so one call probes at a time).
   */
  take(
    orgId: string,
    kind: ApiCallKind,
    now: Date,
    seen: SeenUsage | undefined,
    decide: (state: LedgerState) => Ruling,
  ): Promise<{ ruling: Ruling; seq: number }>;
  /** When `calls` own calls of `kinds` will have left the rolling day ending at `now` (null: not that many). */
  agesOutAt(orgId: string, now: Date, kinds: readonly ApiCallKind[], calls: number): Promise<Date | null>;
  /** Blocks every call until org time `until` (never shortens a longer block). */
  block(orgId: string, until: Date): Promise<void>;
  /** Lifts the block, recording the usage the probe's response reported. */
  unblock(orgId: string, seen: SeenUsage | undefined): Promise<void>;
}

export class BudgetExhaustedError extends Error {
  readonly code = 'API_BUDGET_EXHAUSTED';
  constructor(
    readonly kind: ApiCallKind,
    /** Org time when enough allowance frees for a call of `kind`. */
    readonly until: Date,
    readonly reason: BudgetRefusal,
  ) {
    super(
      `the API budget allows no ${kind} call now (${reason}); it frees at ${until.toISOString()} (org time)`,
    );
    this.name = 'BudgetExhaustedError';
  }
}

/** The per-org governor a session asks before every call. */
export class ApiGovernor {
  constructor(
    private readonly ledger: ApiLedger,
    readonly orgId: string,
    private readonly rules: BudgetRules = DEFAULT_BUDGET_RULES,
  ) {}

  /** Leave for one call of `kind`; throws BudgetExhaustedError when the budget allows none now. */
  async acquire(kind: ApiCallKind, now: Date, seen: SeenUsage | undefined): Promise<ApiPermit> {
    const { ruling, seq } = await this.ledger.take(this.orgId, kind, now, seen, (state) =>
      rule(state, kind, now, this.rules),
    );
    if (ruling.grant) return { seq, probe: ruling.probe };
    let until = ruling.until;
    for (const need of ruling.ageOut ?? []) {
      const at =
        (await this.ledger.agesOutAt(this.orgId, now, need.kinds, need.calls)) ??
        new Date(now.getTime() + BLOCK_PROBE_MS);
      if (!until || at > until) until = at;
    }
    throw new BudgetExhaustedError(kind, until ?? new Date(now.getTime() + BLOCK_PROBE_MS), ruling.reason);
  }

  /** Salesforce answered "TotalRequests Limit exceeded": no calls from any replica until a probe finds room. */
  async orgRefused(kind: ApiCallKind, now: Date): Promise<BudgetExhaustedError> {
    const until = new Date(now.getTime() + BLOCK_PROBE_MS);
    await this.ledger.block(this.orgId, until);
    return new BudgetExhaustedError(kind, until, 'blocked');
  }

  /** A probe went through: calls may go again, by the usage it reported. */
  async probeSucceeded(seen: SeenUsage | undefined): Promise<void> {
    await this.ledger.unblock(this.orgId, seen);
  }
}
