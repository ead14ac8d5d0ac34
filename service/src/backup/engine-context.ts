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
  /** Pause between passes when backing up continuously (keeps the org at most a minute behind its lag). */
  passIntervalMs: number;
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
  passIntervalMs: 30_000,
  maintenanceIntervalMs: 3600_000,
};

export interface EngineContext {
  org: OrgRecord;
  session: SalesforceSession;
  store: StoreContext;
  logger: Logger;
  options: EngineOptions;
  /** Aborted when the process is stopping: the current slice is finished and stored, nothing new is started. */
  signal?: AbortSignal;
}

/** The inclusive end of every record window: the org's now − lag, in whole seconds (SystemModstamp's precision). */
export function windowUpperBound(ctx: EngineContext): Date {
  return new Date(Math.floor((ctx.session.clock.now().getTime() - ctx.options.lagMs) / 1000) * 1000);
}
