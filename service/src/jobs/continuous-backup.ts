/**
 * The continuous backup of every enabled org, in this one process: a pass over each org in turn, then a pause,
 * until the process stops. An org on the daily schedule is passed over while every object it backs up was caught
 * up within the last 24 hours. A stop request lets the object slice at hand finish and be stored.
 *
 * This loop is the single-process engine; scheduling across replicas (pg-boss queues) replaces it, so nothing
 * else depends on how it picks work.
 */
import type { Config } from '../config.js';
import type { Knex } from '../store/db/knex.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { objectsToBackUp, runBackupPass } from '../backup/backup-pass.js';
import type { EngineContext } from '../backup/engine-context.js';
import { openEngine } from '../backup/engine-factory.js';
import { SLA_MS } from '../backup/status.js';
import { MaintenanceSchedule } from '../backup/store-maintenance.js';
import { listOrgs, type OrgRecord } from '../store/orgs/org-repository.js';
import { listRegistryForStatus } from '../store/registry/object-registry.js';

export interface ContinuousBackupDeps {
  config: Config;
  knex: Knex;
  logger: Logger;
  metrics: Metrics;
}

/** Whether a daily org is due: some object it backs up has not been caught up within a day. */
async function dailyPassDue(knex: Knex, org: OrgRecord, now: Date): Promise<boolean> {
  const active = objectsToBackUp(await listRegistryForStatus(knex, org.orgId));
  return (
    active.length === 0 ||
    active.some((o) => !o.caughtUpAt || now.getTime() - o.caughtUpAt.getTime() >= SLA_MS.daily)
  );
}

export class ContinuousBackup {
  private readonly engines = new Map<string, EngineContext>();
  private readonly maintenance = new Map<string, MaintenanceSchedule>();
  private readonly abort = new AbortController();
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly deps: ContinuousBackupDeps,
    private readonly passIntervalMs = 30_000,
  ) {}

  /** Starts the loop in the background. */
  start(): void {
    this.running ??= this.loop();
  }

  /** Asks the loop to stop after the slice at hand; resolves once it has. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.wake?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    const { metrics, logger } = this.deps;
    metrics.engineRunning.set(1);
    try {
      while (!this.abort.signal.aborted) {
        for (const org of await this.orgsToBackUp()) {
          if (this.abort.signal.aborted) break;
          await this.passOver(org);
        }
        await this.pause();
      }
    } catch (err) {
      logger.error({ type: 'continuous-backup', err }, 'continuous backup stopped by an unexpected error');
    } finally {
      metrics.engineRunning.set(0);
    }
  }

  private async orgsToBackUp(): Promise<OrgRecord[]> {
    try {
      const orgs = (await listOrgs(this.deps.knex)).filter(
        (o) => o.enabled && o.mode !== 'paused' && o.instanceUrl,
      );
      const due: OrgRecord[] = [];
      for (const org of orgs)
        if (org.schedule === 'continuous' || (await dailyPassDue(this.deps.knex, org, new Date())))
          due.push(org);
      return due;
    } catch (err) {
      this.deps.logger.error(
        { type: 'continuous-backup', err },
        'could not read the registered orgs; trying again shortly',
      );
      return [];
    }
  }

  private async engineFor(org: OrgRecord): Promise<EngineContext> {
    let ctx = this.engines.get(org.orgId);
    if (!ctx || ctx.org.instanceUrl !== org.instanceUrl) {
      ctx = await openEngine(this.deps, org.orgId);
      ctx.signal = this.abort.signal;
      this.engines.set(org.orgId, ctx);
    }
    ctx.org = org; // settings changed through the API or CLI apply from the next pass
    return ctx;
  }

  private async passOver(org: OrgRecord): Promise<void> {
    const { metrics, logger } = this.deps;
    try {
      const ctx = await this.engineFor(org);
      const pass = await runBackupPass(ctx);
      const written = pass.outcomes.reduce((n, o) => n + o.written, 0);
      const failed = pass.outcomes.filter((o) => !o.ok);
      metrics.versionsWritten.inc({ org: org.orgId }, written);
      for (const f of failed)
        metrics.objectFailures.inc({ org: org.orgId, code: f.error?.code ?? 'BACKUP_FAILED' });
      metrics.passes.inc({ org: org.orgId, outcome: failed.length > 0 ? 'errors' : 'ok' });
      metrics.lastPassFinished.set({ org: org.orgId }, Date.now() / 1000);
      logger.info(
        {
          type: 'backup-pass',
          orgId: org.orgId,
          objects: pass.outcomes.length,
          written,
          failed: failed.map((f) => f.object),
        },
        `backup pass: ${written} new versions`,
      );
      if (this.abort.signal.aborted) return;
      let schedule = this.maintenance.get(org.orgId);
      if (!schedule)
        this.maintenance.set(
          org.orgId,
          (schedule = new MaintenanceSchedule(ctx.options.maintenanceIntervalMs)),
        );
      await schedule.runIfDue(ctx.store, org.orgId, logger);
    } catch (err) {
      // A broken session or an org that cannot be reached: connect afresh next time.
      this.engines.delete(org.orgId);
      metrics.passes.inc({ org: org.orgId, outcome: 'failed' });
      logger.error(
        { type: 'backup-pass', orgId: org.orgId, err },
        'backup pass failed; trying again shortly',
      );
    }
  }

  private pause(): Promise<void> {
    if (this.abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.passIntervalMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
