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
  /** A backlog above this many rows goes through Bulk API 2.0. */
  bulkThreshold: number;
  /** At most this many rows per Bulk window (a closed SystemModstamp range). */
  bulkWindowMaxRows: number;
  /** Rows per Bulk results page (maxRecords). */
  bulkPageSize: number;
  bulkPollIntervalMs: number;
  /** Parallel describe calls during a scan. */
  describeConcurrency: number;
  /** How often every record Id is compared with the org to find deletes getDeleted cannot report. */
  reconcileEveryMs: number;
  /** Continuous schedule: how long a caught-up object waits before it is checked for new data again. */
  pollIntervalMs: number;
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
  bulkThreshold: 50_000,
  bulkWindowMaxRows: 1_000_000,
  bulkPageSize: 100_000,
  bulkPollIntervalMs: 1000,
  describeConcurrency: 4,
  reconcileEveryMs: 7 * 24 * 3600_000,
  pollIntervalMs: 5 * 60_000,
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

/** The inclusive end of every record window: the org's now − lag, in whole seconds (SystemModstamp's precision). */
export function windowUpperBound(ctx: EngineContext): Date {
  return new Date(Math.floor((ctx.session.clock.now().getTime() - ctx.options.lagMs) / 1000) * 1000);
}
