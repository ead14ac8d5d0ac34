/**
 * Keeps every registered org backed up, from any number of replicas sharing one PostgreSQL and one bucket.
 *
 * - A node-cron tick (every `tickSeconds`, real time) fires on every replica; a Postgres run coordinator lets one
 *   of them act for each slot. That one reads the stored state, asks due-work.ts what is due by each org's clock,
 *   and queues it, longest-waiting first, except what already has a job queued or running (the queue says).
 * - Workers (`workers` per process) take jobs from the pg-boss queues: an object slice (records, then deletes
 *   when due; bounded by `sliceBudgetMs`), an org's schema scan, or its bucket maintenance. The queues keep one
 *   job per object queued and one active, and cap each org's running jobs across the cluster (`perOrg`).
 * - Caught-up objects are not sliced on every poll: their org's due change checks go into one `backup-check` job
 *   (a few /composite calls for hundreds of objects, backup/change-check.ts); an object with news gets a slice.
 * - A slice that stops with more to read (a backfill) queues its successor at once, behind whoever waited longer.
 * - A job queued while a slice of its object ran (one queued, one active) is dropped once that slice caught the
 *   object up; every job reads the org's clock afresh before it bounds its windows by it.
 * - Pausing an org stops its running slices at their next safe point (within seconds) and queues nothing more;
 *   exclusions and other settings apply at the next tick.
 * - stop(): no new jobs; running slices finish their batch at hand and are stored; then the queue closes. A
 *   killed replica's jobs are retried by the others once their heartbeat lapses, and the object's run lease
 *   (database time) guarantees the late one cannot write.
 * - Every replica checks the schema each tick slot: one older than the database's requirements stops taking work.
 * - After its work a job records the org's clock and API usage, at most once a minute per org across the cluster.
 * - Every replica refreshes its lag, API and queue gauges from the database about once a minute.
 */
import { hostname } from 'node:os';
import { schedule, type ScheduledTask } from 'node-cron';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { scanSchema } from '../backup/schema-scan.js';
import { refreshOrgClock, type EngineContext, type EngineOptions } from '../backup/engine-context.js';
import { engineOptionsFor, openEngine, openStore } from '../backup/engine-factory.js';
import { backupObject } from '../backup/object-slice.js';
import { checkForChanges } from '../backup/change-check.js';
import { objectsToBackUp } from '../backup/backup-pass.js';
import { errorCodeOf } from '../backup/error-hints.js';
import { maintainStore } from '../backup/store-maintenance.js';
import type { Knex } from '../store/db/knex.js';
import { checkSchemaCompatibility } from '../store/db/migrate.js';
import { findOrg, type OrgRecord } from '../store/orgs/org-repository.js';
import { busyKey, QUEUES, WorkQueue, type QueuedWork } from '../store/queue/work-queue.js';
import { recordError } from '../store/registry/error-log.js';
import { getRegistryObject, listRegistry, type RegistryObject } from '../store/registry/object-registry.js';
import {
  claimTickSlot,
  markMaintained,
  readScheduleSnapshot,
  orgsWithStaleClock,
  recordOrgClock,
  recordBudgetWait,
  recordOrgContact,
  sliceStopReason,
} from '../store/schedule/schedule-state.js';
import { readOrgGauges } from '../store/schedule/cluster-gauges.js';
import type { StoreContext } from '../store/store-context.js';
import { BudgetExhaustedError } from '../salesforce/api-governor.js';
import { probeOrgClock } from '../salesforce/org-clock.js';
import { dueWork } from './due-work.js';

export interface SchedulerDeps {
  config: Config;
  knex: Knex;
  databaseUrl: string;
  logger: Logger;
  metrics: Metrics;
}

export interface SchedulerOptions {
  /** Jobs this process works on at once. */
  workers: number;
  /** One org's jobs running at once across the cluster. */
  perOrg: number;
  tickSeconds: number;
  engine: Partial<EngineOptions>;
  /** How long stop() lets running slices finish before closing anyway. */
  stopTimeoutMs: number;
  /** How often each org's clock is measured when no work talked to it. */
  clockProbeMs: number;
  /** At most how often jobs record an org's clock and API usage, across the cluster (default a minute). */
  contactRecordMs?: number;
  /** How often this replica refreshes its cluster-wide gauges from the database (default a minute). */
  gaugeRefreshMs?: number;
}

const MINUTE_MS = 60_000;

export class BackupScheduler {
  private readonly engines = new Map<string, Promise<EngineContext>>();
  private readonly abort = new AbortController();
  private readonly replica = `${hostname()}/${process.pid}`;
  private readonly engineOptions: EngineOptions;
  private readonly store: StoreContext;
  private queue: WorkQueue | undefined;
  private cron: ScheduledTask | undefined;
  private gaugeTimer: NodeJS.Timeout | undefined;
  /** When this process last recorded each org's clock and usage (performance.now()). */
  private readonly contactRecordedAt = new Map<string, number>();
  private incompatible = false;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly options: SchedulerOptions,
  ) {
    this.engineOptions = engineOptionsFor(deps.config, options.engine);
    this.store = openStore(deps.config, deps.knex, deps.logger);
  }

  async start(): Promise<void> {
    const { knex, databaseUrl, logger } = this.deps;
    const expireInSeconds = Math.ceil(this.engineOptions.sliceBudgetMs / 1000) + 15 * 60;
    this.queue = await WorkQueue.open(knex, databaseUrl, logger, { expireInSeconds, heartbeatSeconds: 30 });
    const queue = this.queue;
    await queue.work(QUEUES.object, { concurrency: this.options.workers, perOrg: this.options.perOrg }, (w) =>
      this.runObject(w),
    );
    await queue.work(QUEUES.check, { concurrency: 1 }, (w) => this.runCheck(w));
    await queue.work(QUEUES.scan, { concurrency: 1 }, (w) => this.runScan(w));
    await queue.work(QUEUES.maintenance, { concurrency: 1 }, (w) => this.runMaintenance(w));
    await queue.work(QUEUES.dead, { concurrency: 1 }, (w, job) => this.recordDead(w, job.id));
    this.cron = schedule(`*/${this.options.tickSeconds} * * * * *`, () => this.tick(), {
      name: 'autobackup-tick',
      noOverlap: true,
      distributed: true,
      // Every replica checks the schema each slot: an old one must stop even when another acts on the slot.
      runCoordinator: {
        shouldRun: async (key) =>
          (await this.schemaStillCompatible()) && claimTickSlot(knex, key, this.replica),
      },
    });
    this.deps.metrics.engineRunning.set(1);
    await this.refreshGauges();
    this.gaugeTimer = setInterval(() => void this.refreshGauges(), this.options.gaugeRefreshMs ?? MINUTE_MS);
    this.gaugeTimer.unref();
    logger.info(
      { type: 'scheduler', workers: this.options.workers, perOrg: this.options.perOrg },
      'backup scheduler started',
    );
  }

  /** No new work; running slices store their batch at hand; then the queue closes. */
  async stop(): Promise<void> {
    await this.cron?.stop();
    await this.cron?.destroy();
    clearInterval(this.gaugeTimer);
    this.abort.abort();
    await this.queue?.close(this.options.stopTimeoutMs);
    this.deps.metrics.engineRunning.set(0);
  }

  /** One tick, run by one replica per slot: queue what is due and not queued or running already. */
  async tick(): Promise<void> {
    const { knex, logger } = this.deps;
    try {
      await this.followOrgClocks();
      // A job queued or running for the same key covers it: a running slice queues its own successor when
      // there is more, and a scan or maintenance job under way is the one that was due. Read before the state,
      // so a job that ends in between shows in one or the other.
      const busy = await this.queue!.busyKeys([QUEUES.object, QUEUES.check, QUEUES.scan, QUEUES.maintenance]);
      const snapshot = await readScheduleSnapshot(knex);
      const due = dueWork(snapshot, {
        lagMs: this.engineOptions.lagMs,
        pollIntervalMs: this.engineOptions.pollIntervalMs,
        maxPollIntervalMs: this.engineOptions.maxPollIntervalMs,
        deleteCheckIntervalMs: this.engineOptions.deleteCheckIntervalMs,
        scanIntervalMs: this.engineOptions.scanIntervalMs,
        maintenanceIntervalMs: this.engineOptions.maintenanceIntervalMs,
      });
      let queued = 0;
      // Caught-up objects are checked in one job per org (batched into few /composite calls), unless the org's
      // check is already queued or running or the object has a job of its own.
      const checks = new Map<string, NonNullable<QueuedWork['checks']>>();
      for (const work of due) {
        if (work.kind !== 'object' || !work.check) continue;
        if (busy.has(busyKey(QUEUES.object, { orgId: work.orgId, object: work.object }))) continue;
        if (busy.has(busyKey(QUEUES.check, { orgId: work.orgId }))) continue;
        const list = checks.get(work.orgId) ?? [];
        list.push({ object: work.object, caughtUpAt: work.caughtUpAt?.toISOString() ?? null });
        checks.set(work.orgId, list);
      }
      for (const [orgId, list] of checks)
        if (await this.queue!.add(QUEUES.check, { orgId, checks: list })) queued += 1;
      for (const work of due) {
        if (work.kind === 'object' && work.check) continue;
        const target = QUEUES[work.kind];
        const body: QueuedWork =
          work.kind === 'object'
            ? { orgId: work.orgId, object: work.object, caughtUpAt: work.caughtUpAt?.toISOString() ?? null }
            : { orgId: work.orgId };
        if (busy.has(busyKey(target, body))) continue;
        if (await this.queue!.add(target, body)) queued += 1;
      }
      if (queued > 0) logger.debug({ type: 'scheduler', due: due.length, queued }, 'tick queued work');
    } catch (err) {
      logger.error({ type: 'scheduler', err }, 'scheduler tick failed; the next tick tries again');
    }
  }

  /**
   * Sets this replica's cluster-wide gauges (lag and API use per org, queue depths) from the database, so a scrape
   * of any replica shows them, whichever replica acts on the ticks. A paused org's gauges keep their last value.
   */
  async refreshGauges(): Promise<void> {
    const { knex, metrics, logger } = this.deps;
    try {
      for (const org of await readOrgGauges(knex)) {
        if (org.lagSeconds !== null) metrics.lagSeconds.set({ org: org.orgId }, org.lagSeconds);
        if (org.api) {
          metrics.apiUsed.set({ org: org.orgId }, org.api.used);
          metrics.apiMax.set({ org: org.orgId }, org.api.max);
        }
      }
      for (const d of (await this.queue?.depths()) ?? []) {
        metrics.queueJobs.set({ queue: d.queue, state: 'queued' }, d.queued);
        metrics.queueJobs.set({ queue: d.queue, state: 'active' }, d.active);
        metrics.queueJobs.set({ queue: d.queue, state: 'failed' }, d.failed);
      }
    } catch (err) {
      logger.warn({ type: 'scheduler', err }, 'could not refresh the gauges; trying again in a minute');
    }
  }

  /** Measures the clock of every org not measured for a while, so work falls due by the org's own time. */
  private async followOrgClocks(): Promise<void> {
    const { knex, logger } = this.deps;
    const stale = await orgsWithStaleClock(knex, this.options.clockProbeMs);
    await Promise.all(
      stale.map(async ({ orgId, instanceUrl }) => {
        try {
          await recordOrgClock(knex, orgId, await probeOrgClock(instanceUrl));
        } catch (err) {
          logger.warn(
            { type: 'scheduler', orgId, err },
            'could not read the org clock; using the last one seen',
          );
        }
      }),
    );
  }

  private async schemaStillCompatible(): Promise<boolean> {
    if (this.incompatible) return false;
    const compatibility = await checkSchemaCompatibility(this.deps.knex);
    if (compatibility.ok) return true;
    this.incompatible = true;
    this.deps.logger.error({ type: 'scheduler', err: compatibility.error }, compatibility.error.message);
    this.abort.abort();
    await this.queue?.pause();
    return false;
  }

  private async engineFor(org: OrgRecord): Promise<EngineContext> {
    const pending = this.engines.get(org.orgId);
    let ctx = pending ? await pending.catch(() => undefined) : undefined;
    if (!ctx || ctx.org.instanceUrl !== org.instanceUrl) {
      const opening = openEngine(this.deps, org.orgId, this.engineOptions).then((opened): EngineContext => ({
        ...opened,
        signal: this.abort.signal,
      }));
      this.engines.set(org.orgId, opening);
      opening.catch(() => this.engines.delete(org.orgId));
      ctx = await opening;
    }
    await refreshOrgClock(ctx, 'scheduler');
    return { ...ctx, org }; // settings changed through the API or CLI apply from the next slice
  }

  /** The org, when it is still to be backed up (enabled, not paused, connected). */
  private async activeOrg(orgId: string): Promise<OrgRecord | undefined> {
    const org = await findOrg(this.deps.knex, orgId);
    return org && org.enabled && org.mode !== 'paused' && org.instanceUrl ? org : undefined;
  }

  /**
   * Records what the work saw of its org (clock, API usage) for the dashboard and the due-work clock, at most once
   * per `contactRecordMs` per org: from this process without asking the database, across replicas through it.
   */
  private async afterOrgCall(ctx: EngineContext): Promise<void> {
    const { knex, metrics } = this.deps;
    const orgId = ctx.org.orgId;
    const usage = ctx.session.apiUsage;
    if (usage) {
      metrics.apiUsed.set({ org: orgId }, usage.used);
      metrics.apiMax.set({ org: orgId }, usage.max);
    }
    const everyMs = this.options.contactRecordMs ?? MINUTE_MS;
    const now = performance.now();
    if (now - (this.contactRecordedAt.get(orgId) ?? -Infinity) < everyMs) return;
    this.contactRecordedAt.set(orgId, now);
    await recordOrgContact(
      knex,
      orgId,
      {
        orgNow: ctx.session.clock.now(),
        ...(usage ? { usage: { used: usage.used, max: usage.max, at: new Date(usage.at) } } : {}),
      },
      everyMs,
    );
  }

  private async runObject(work: QueuedWork): Promise<void> {
    const { knex, metrics, logger } = this.deps;
    const org = await this.activeOrg(work.orgId);
    const object = org && work.object ? await getRegistryObject(knex, org.orgId, work.object) : undefined;
    if (!org || !object || objectsToBackUp([object]).length === 0 || caughtUpSince(work, object)) {
      metrics.slices.inc({ org: work.orgId, kind: 'object', outcome: 'skipped' });
      return;
    }
    const ctx = await this.engineFor(org);
    const outcome = await backupObject(ctx, object, {
      budgetMs: this.engineOptions.sliceBudgetMs,
      deletes: 'when-due',
      shouldStop: () => sliceStopReason(knex, org.orgId, object.name),
    });
    await this.afterOrgCall(ctx);
    metrics.versionsWritten.inc({ org: org.orgId }, outcome.written);
    if (!outcome.ok)
      metrics.objectFailures.inc({ org: org.orgId, code: outcome.error?.code ?? 'BACKUP_FAILED' });
    metrics.slices.inc({
      org: org.orgId,
      kind: 'object',
      outcome: outcome.skipped ? 'skipped' : outcome.ok ? 'ok' : 'failed',
    });
    logger.info(
      {
        type: 'object-slice',
        orgId: org.orgId,
        object: object.name,
        written: outcome.written,
        tombstones: outcome.tombstones,
        complete: outcome.complete,
        ...(outcome.skipped ? { skipped: outcome.skipped } : {}),
        ...(outcome.error ? { error: outcome.error.code } : {}),
      },
      `${object.name}: ${outcome.written} new versions`,
    );
    // More to read (a backfill, a busy object, a field refresh): the next slice waits in line behind what waited
    // longer, and runs whatever the object's caught-up time says by then (no `caughtUpAt`).
    if (
      outcome.ok &&
      !outcome.complete &&
      !outcome.skipped &&
      !outcome.waitingForBudgetUntil &&
      !this.abort.signal.aborted
    )
      await this.queue!.add(QUEUES.object, { orgId: work.orgId, object: work.object });
  }

  /**
   * An org's change checks: caught-up objects asked in few /composite calls whether anything changed (and, when
   * due, was deleted). Idle ones move their caught-up time forward; the others get a normal slice at once.
   */
  private async runCheck(work: QueuedWork): Promise<void> {
    const { knex, metrics, logger } = this.deps;
    const org = await this.activeOrg(work.orgId);
    if (!org || !work.checks?.length) return;
    const wanted = new Map(work.checks.map((c) => [c.object, c.caughtUpAt]));
    const objects = objectsToBackUp(await listRegistry(knex, org.orgId)).filter(
      (o) => wanted.has(o.name) && (o.caughtUpAt?.toISOString() ?? null) === wanted.get(o.name),
    );
    if (objects.length === 0) return;
    const ctx = await this.engineFor(org);
    let outcome: Awaited<ReturnType<typeof checkForChanges>>;
    try {
      outcome = await checkForChanges(ctx, objects);
    } catch (err) {
      if (!(err instanceof BudgetExhaustedError)) throw err;
      // The API budget allows no check now: the objects wait for it (due-work skips them until then), no error.
      for (const o of objects) await recordBudgetWait(knex, o.objectKey, err.until);
      logger.info(
        { type: 'api-budget', orgId: org.orgId, until: err.until },
        'change checks wait for the API budget',
      );
      return;
    }
    await this.afterOrgCall(ctx);
    const byName = new Map(objects.map((o) => [o.name, o]));
    for (const { object } of outcome.slices)
      await this.queue!.add(QUEUES.object, {
        orgId: org.orgId,
        object,
        caughtUpAt: byName.get(object)?.caughtUpAt?.toISOString() ?? null,
      });
    metrics.slices.inc({ org: org.orgId, kind: 'check', outcome: 'ok' });
    logger.info(
      {
        type: 'change-check',
        orgId: org.orgId,
        checked: objects.map((o) => o.name),
        idle: outcome.idle.length,
        sliced: outcome.slices.map((x) => x.object),
        calls: outcome.calls,
      },
      `checked ${objects.length} objects in ${outcome.calls} calls: ${outcome.slices.length} need a slice`,
    );
  }

  private async runScan(work: QueuedWork): Promise<void> {
    const { knex, metrics, logger } = this.deps;
    const org = await this.activeOrg(work.orgId);
    if (!org) return;
    try {
      const ctx = await this.engineFor(org);
      const scan = await scanSchema(ctx);
      await this.afterOrgCall(ctx);
      metrics.slices.inc({ org: org.orgId, kind: 'scan', outcome: 'ok' });
      logger.info(
        { type: 'schema-scan', orgId: org.orgId, objects: scan.objects, changes: scan.changes.length },
        'schema scanned',
      );
    } catch (err) {
      if (err instanceof BudgetExhaustedError) {
        // Not a failure: the scan is due again and goes once the budget frees (a refusal costs no API call).
        logger.info(
          { type: 'api-budget', orgId: org.orgId, until: err.until },
          'schema scan waits for API budget',
        );
        metrics.slices.inc({ org: org.orgId, kind: 'scan', outcome: 'skipped' });
        return;
      }
      // A broken session or an org that cannot be reached: connect afresh next time.
      this.engines.delete(org.orgId);
      metrics.slices.inc({ org: org.orgId, kind: 'scan', outcome: 'failed' });
      await recordError(knex, {
        orgId: org.orgId,
        code: errorCodeOf(err, 'SCAN_FAILED'),
        message: `schema scan failed: ${err instanceof Error ? err.message : String(err)}`,
        stack: err instanceof Error ? (err.stack ?? null) : null,
        hint: null,
        object: null,
        at: new Date(),
      });
      throw err;
    }
  }

  private async runMaintenance(work: QueuedWork): Promise<void> {
    const { knex, metrics, logger } = this.deps;
    if (!(await this.activeOrg(work.orgId))) {
      metrics.slices.inc({ org: work.orgId, kind: 'maintenance', outcome: 'skipped' });
      return;
    }
    // The bucket is the service's, not the org's: no session with the org is needed.
    const result = await maintainStore(this.store, work.orgId);
    await markMaintained(knex, work.orgId);
    metrics.slices.inc({ org: work.orgId, kind: 'maintenance', outcome: 'ok' });
    logger.info({ type: 'store-maintenance', orgId: work.orgId, ...result }, 'bucket maintenance finished');
  }

  /** A job that failed every attempt: the dashboard's error list says so; the next tick queues it again. */
  private async recordDead(work: QueuedWork, jobId: string): Promise<void> {
    await recordError(this.deps.knex, {
      orgId: work.orgId,
      code: 'WORK_ABANDONED',
      message:
        `${work.object ? `the backup of ${work.object}` : 'scheduled work'} failed every attempt (job ${jobId}); ` +
        'it is queued again when next due',
      stack: null,
      hint: 'See the service log for the failures; a replica that kept dying mid-slice shows here too.',
      object: work.object ?? null,
      at: new Date(),
    });
  }
}

/**
 * Whether the object was caught up after `work` was queued for it: a tick may queue a due object while a slice of
 * it is running (one job queued, one active: the tick skips busy keys, but a slice may start in between), and
 * once that slice has caught it up, with no field refresh left, the job has nothing to do.
 * Work queued without the caught-up time it was due after (an older release) is always done.
 */
function caughtUpSince(work: QueuedWork, object: RegistryObject): boolean {
  return (
    work.caughtUpAt !== undefined &&
    (object.caughtUpAt?.toISOString() ?? null) !== work.caughtUpAt &&
    !object.fieldRefresh // a refresh still pending is work left
  );
}
