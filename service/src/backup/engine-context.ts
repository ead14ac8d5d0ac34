/** What one org's backup work runs against: its session, the store, its settings, and the tuning knobs. */
import type { Logger } from '../logger.js';
import type { SalesforceSession } from '../salesforce/session.js';
import type { OrgRecord } from '../store/orgs/org-repository.js';
import type { StoreContext } from '../store/store-context.js';

export interface EngineOptions {
  /** How far behind the org's clock record windows stay, so in-flight transactions land first. */
  lagMs: number;
  /** Already-covered time re-read on every incremental pass, for late commits (dedup makes it free of duplicates). */
  overlapMs: number;
  /** Rows per REST query slice (one SOQL with LIMIT; a new query per slice keeps locators short-lived). */
  restSliceSize: number;
  /** A backlog above this many rows goes through Bulk API 2.0 (where Bulk costs fewer API calls than REST pages). */
  bulkThreshold: number;
  /** At most this many rows per Bulk window (a closed SystemModstamp range). */
  bulkWindowMaxRows: number;
  /** A Bulk window that fails or times out is retried at half its rows, down to this many; below, the error stands. */
  bulkMinWindowRows: number;
  /** Rows of a Bulk job's first results page (maxRecords); later pages are sized by `bulkPageBytes`. */
  bulkPageSize: number;
  /** About this many bytes of CSV per Bulk results page: the page's text is held while it is parsed. */
  bulkPageBytes: number;
  /** The first wait before polling a Bulk job; the waits double up to `bulkMaxPollIntervalMs` (each poll is a call). */
  bulkPollIntervalMs: number;
  bulkMaxPollIntervalMs: number;
  /** Describes a scan asks at once (they share /composite calls of up to 25, one call in flight at a time). */
  describeConcurrency: number;
  /** How often every record Id is compared with the org to find deletes getDeleted cannot report. */
  reconcileEveryMs: number;
  /** Continuous schedule: how long a caught-up object waits before it is checked for new data again. */
  pollIntervalMs: number;
  /** Continuous schedule: the longest an idle object waits between checks (the schedule promises an hour). */
  maxPollIntervalMs: number;
  /** Continuous schedule: how often deletes are looked for (getDeleted, or an Id reconciliation when due). */
  deleteCheckIntervalMs: number;
  /** How often the schema is scanned for new objects and fields (continuous; a daily org scans once a day). */
  scanIntervalMs: number;
  /** A scheduled slice stops at its next safe point after this long, so one huge object does not hold a worker. */
  sliceBudgetMs: number;
  /** How often continuous backup also tends the bucket: orphan packs adopted or swept, small packs merged. */
  maintenanceIntervalMs: number;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  lagMs: 120_000,
  overlapMs: 5 * 60_000,
  restSliceSize: 10_000,
  // REST reads 2,000 rows a call; a Bulk job costs about 1 create + 3-4 polls + 1 page for a small backlog: from
  // ~10,000 rows on, Bulk is the cheaper (a 50,000-row backlog: 25 REST calls, ~6 Bulk calls).
  bulkThreshold: 10_000,
  // A window is not interruptible (its cursor moves when all of it is stored): ~1M rows keeps it near the slice budget.
  bulkWindowMaxRows: 1_000_000,
  bulkMinWindowRows: 10_000,
  bulkPageSize: 100_000,
  // Pages are streamed (memory holds one batch of rows, whatever the page's size), so the size trades calls (one
  // per page) against what a page that breaks off in transit costs to read again: 256 MiB of CSV is ~550,000 rows
  // of a 30-field object, ~2 calls per million rows (32 MiB pages, held whole until 2026-12, cost ~14).
  bulkPageBytes: 256 * 1024 * 1024,
  bulkPollIntervalMs: 1000,
  bulkMaxPollIntervalMs: 30_000,
  // Twice a call's 25: while one call is in flight the next fills up, so a scan's calls go out full.
  describeConcurrency: 50,
  reconcileEveryMs: 7 * 24 * 3600_000,
  pollIntervalMs: 5 * 60_000,
  maxPollIntervalMs: 3600_000,
  deleteCheckIntervalMs: 15 * 60_000,
  scanIntervalMs: 3600_000,
  sliceBudgetMs: 2 * 60_000,
  maintenanceIntervalMs: 3600_000,
};

export interface EngineContext {
  org: OrgRecord;
  session: SalesforceSession;
  store: StoreContext;
  logger: Logger;
  options: EngineOptions;
  /** Aborted when the work must stop (the process is stopping, the slice's time is up, the org was paused): the
   * batch at hand is finished and stored, nothing new is started. */
  signal?: AbortSignal;
  /** The run lease held on the object this context works on: every write checks it (store LeaseLostError). */
  lease?: string;
}

/** The write option that fences a write with the context's lease, when it has one. */
export function leaseOf(ctx: EngineContext): { lease?: string } {
  return ctx.lease === undefined ? {} : { lease: ctx.lease };
}

/**
 * Reads the org's time afresh (a free call): work bounds its windows by the session's clock (the org's now − lag),
 * which moves only when the org answers, and it may have moved since this session last heard from it (a window
 * ending hours back would make a daily object due again at once). An unreachable org leaves the clock as it was;
 * the work's own requests then fail and say why.
 */
export async function refreshOrgClock(ctx: EngineContext, type: string): Promise<void> {
  try {
    await ctx.session.refreshClock();
  } catch (err) {
    ctx.logger.debug({ type, orgId: ctx.org.orgId, err }, 'could not read the org clock');
  }
}

/** The inclusive end of every record window: the org's now − lag, in whole seconds (SystemModstamp's precision). */
export function windowUpperBound(ctx: EngineContext): Date {
  return new Date(Math.floor((ctx.session.clock.now().getTime() - ctx.options.lagMs) / 1000) * 1000);
}
