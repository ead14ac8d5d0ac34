/**
 * Test support for the scheduler end to end: one stack of the org simulator, a fresh test database, a filesystem
 * bucket and the org registered and enabled in it; schedulers (the real pg-boss queues and node-cron tick) started
 * on it with given options; and what the tests do with it: move the org's clock, read the registry, wait for a
 * condition (with a message naming what did not happen), and wait for the queue to fall idle.
 *
 *   const stack = await startSchedulerStack({ sim: { seed: 'small' } });
 *   await stack.startScheduler({ engine: { restSliceSize: 250 } });
 *   await stack.everyObjectCaughtUp();
 *   await stack.moveClock(3600_000);
 *   await stack.close();
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../../test/sf-sim/src/index.js';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import type { AppContext } from '../../src/app/app-context.js';
import { loadConfig, type Config } from '../../src/config.js';
import { BackupScheduler, type SchedulerOptions } from '../../src/jobs/backup-scheduler.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createMetrics, type Metrics } from '../../src/metrics.js';
import { FsBlobStore } from '../../src/store/blob/fs-blob-store.js';
import { setOrgEnabled } from '../../src/store/orgs/org-repository.js';
import { listRegistry, type RegistryObject } from '../../src/store/registry/object-registry.js';
import { readScheduleSnapshot } from '../../src/store/schedule/schedule-state.js';
import type { StoreContext } from '../../src/store/store-context.js';
import { registerSimOrg, TEST_MASTER_KEY } from './engine-fixture.js';
import { createTestDatabase, type TestDatabase } from './test-db.js';

/**
 * How often waits ask again. Several probes read the whole registry or schedule: asked more often, on CI's two
 * cores, they slow the backup they wait for.
 */
const POLL_MS = 250;

export interface SchedulerStackOptions {
  /** The simulated org (default: the small seed). */
  sim?: SimulatorOptions;
  /** Runs against the simulator before the org is registered: schema, permissions, faults, its clock. */
  prepare?(sim: Simulator): Promise<void>;
  /** Configuration the service reads from its environment, besides home, master key and database. */
  env?: Record<string, string>;
  logger?: Logger;
}

/** A scheduler's options here: what the tests share, then these (`engine` merged with the shared engine options). */
export type SchedulerRun = Partial<SchedulerOptions> & { logger?: Logger; metrics?: Metrics };

export interface RunningScheduler {
  scheduler: BackupScheduler;
  metrics: Metrics;
}

/** A one-second tick, four workers, REST slices rather than Bulk (whose jobs are polled every 20 ms). */
const SCHEDULER_DEFAULTS: SchedulerOptions = {
  workers: 4,
  perOrg: 4,
  tickSeconds: 1,
  clockProbeMs: 500,
  stopTimeoutMs: 30_000,
  engine: { bulkThreshold: 1_000_000, bulkPollIntervalMs: 20 },
};

/** Polls `probe` every 250 ms until it returns a value; fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export class SchedulerStack {
  readonly schedulers: RunningScheduler[] = [];
  readonly store: StoreContext;
  readonly app: AppContext;

  private constructor(
    readonly sim: Simulator,
    readonly db: TestDatabase,
    readonly home: string,
    readonly config: Config,
    readonly logger: Logger,
  ) {
    this.store = { knex: db.knex, blobs: new FsBlobStore(path.join(home, 'bucket')) };
    this.app = { config, logger, store: this.store, now: () => new Date() };
  }

  /** The simulator, a fresh database and bucket, and the org registered and enabled (no scheduler yet). */
  static async start(options: SchedulerStackOptions = {}): Promise<SchedulerStack> {
    // The simulator and the database clone start side by side.
    const [sim, db] = await Promise.allSettled([
      (async () => {
        const sim = await startSimulator({ seed: 'small', ...options.sim });
        try {
          await options.prepare?.(sim);
        } catch (err) {
          await sim.close();
          throw err;
        }
        return sim;
      })(),
      createTestDatabase(),
    ]);
    if (sim.status === 'rejected' || db.status === 'rejected') {
      if (sim.status === 'fulfilled') await sim.value.close();
      if (db.status === 'fulfilled') await db.value.destroy();
      throw sim.status === 'rejected' ? sim.reason : (db as PromiseRejectedResult).reason;
    }
    const home = mkdtempSync(path.join(tmpdir(), 'ab-scheduler-'));
    try {
      await registerSimOrg(sim.value, db.value.knex);
      await setOrgEnabled(db.value.knex, sim.value.orgId);
      const config = loadConfig({
        AUTOBACKUP_HOME: home,
        AUTOBACKUP_MASTER_KEY: TEST_MASTER_KEY.toString('hex'),
        DATABASE_URL: db.value.url,
        ...options.env,
      });
      return new SchedulerStack(sim.value, db.value, home, config, options.logger ?? createLogger('silent'));
    } catch (err) {
      await sim.value.close();
      await db.value.destroy();
      rmSync(home, { recursive: true, force: true });
      throw err;
    }
  }

  get orgId(): string {
    return this.sim.orgId;
  }

  /** Starts a scheduler (another replica when one runs already) on the stack's database and bucket. */
  async startScheduler(run: SchedulerRun = {}): Promise<RunningScheduler> {
    const { logger = this.logger, metrics = createMetrics({ processMetrics: false }), ...options } = run;
    const scheduler = new BackupScheduler(
      { config: this.config, knex: this.db.knex, databaseUrl: this.db.url, logger, metrics },
      {
        ...SCHEDULER_DEFAULTS,
        ...options,
        engine: { ...SCHEDULER_DEFAULTS.engine, ...options.engine },
      },
    );
    await scheduler.start();
    const running = { scheduler, metrics };
    this.schedulers.push(running);
    return running;
  }

  /** A request to the simulator's admin API (`/__sim/<pathname>`): GET without a body, POST with one. */
  admin(pathname: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<unknown> {
    return simAdmin(this.sim, method, pathname, body);
  }

  /** Moves the org's clock on, as Salesforce's time passing (the simulator's admin API). */
  async moveClock(advanceMs: number): Promise<void> {
    await this.admin('clock', { advanceMs });
  }

  /** Creates records of `object` in the org; their ids. */
  async createRecords(object: string, records: Array<Record<string, unknown>>): Promise<string[]> {
    const result = (await this.admin('mutate', { object, ops: [{ op: 'create', records }] })) as {
      created: string[];
    };
    return result.created;
  }

  registry(): Promise<RegistryObject[]> {
    return listRegistry(this.db.knex, this.orgId);
  }

  /** The objects the backup works on: supported, readable, not excluded. */
  async activeObjects(): Promise<RegistryObject[]> {
    return (await this.registry()).filter(
      (o) => o.support === 'supported' && o.access === 'available' && !o.excludedByUser,
    );
  }

  /**
   * Waits until more than `moreThan` objects are active and every one has finished its backfill and is caught up
   * (and satisfies `also`); returns them.
   */
  everyObjectCaughtUp(
    options: { moreThan?: number; also?: (o: RegistryObject) => boolean; timeoutMs?: number } = {},
  ): Promise<RegistryObject[]> {
    const { moreThan = 10, also = () => true, timeoutMs } = options;
    return waitFor(
      `every object caught up (more than ${moreThan})`,
      async () => {
        const active = await this.activeObjects();
        return active.length > moreThan &&
          active.every((o) => o.backfillCompletedAt && o.caughtUpAt && also(o))
          ? active
          : undefined;
      },
      timeoutMs,
    );
  }

  /** Backup jobs (objects, change checks, scans) queued or running in pg-boss, across the cluster. */
  async backupJobs(): Promise<number> {
    const { rows } = await this.db.knex.raw<{ rows: Array<{ n: string }> }>(
      `SELECT count(*) AS n FROM pgboss.job
        WHERE name IN ('backup-object', 'backup-check', 'backup-scan') AND state <= 'active'`,
    );
    return Number(rows[0]!.n);
  }

  /** Scheduler ticks acted on (by any replica) after `since`, database time. */
  async ticksSince(since: Date): Promise<number> {
    const rows = await this.db
      .knex('scheduler_ticks')
      .where('fired_at', '>', since)
      .count<Array<{ n: string }>>({ n: '*' });
    return Number(rows[0]!.n);
  }

  async dbNow(): Promise<Date> {
    const { rows } = await this.db.knex.raw<{ rows: Array<{ now: Date }> }>('SELECT now() AS now');
    return rows[0]!.now;
  }

  /**
   * Waits until at least `ticks` scheduler ticks were acted on from now, and the queue held no backup job from one
   * tick through the next two (a tick records its slot before it queues, so one tick alone could be mid-way):
   * whatever the ticks found due has been worked off. Shows that nothing was due, or lets due work finish.
   */
  async ticksWorkedOff(ticks = 1, timeoutMs = 90_000): Promise<void> {
    const since = await this.dbNow();
    let quietFromTick: number | undefined;
    await waitFor(
      `${ticks} scheduler ticks and a queue empty for two ticks in a row`,
      async () => {
        const count = await this.ticksSince(since);
        if ((await this.backupJobs()) > 0) {
          quietFromTick = undefined;
          return undefined;
        }
        quietFromTick ??= count;
        return count >= ticks && count >= quietFromTick + 2 ? true : undefined;
      },
      timeoutMs,
    );
  }

  /** Waits until the scheduler has measured the org's clock since it was last moved (to within its whole seconds). */
  async clockSeen(timeoutMs = 30_000): Promise<void> {
    const simOffset = this.sim.org.clock.offsetMs();
    await waitFor(
      'the scheduler to see the org’s clock moved',
      async () => {
        const org = (await readScheduleSnapshot(this.db.knex)).orgs.find((o) => o.orgId === this.orgId);
        // The org's Date header has whole seconds.
        return org && org.clockOffsetMs !== null && org.clockOffsetMs >= simOffset - 2000 ? true : undefined;
      },
      timeoutMs,
    );
  }

  /** Stops every scheduler (their slices store what they hold), then the simulator, database and bucket. */
  async close(): Promise<void> {
    try {
      await Promise.all(this.schedulers.map((s) => s.scheduler.stop()));
    } finally {
      await this.sim.close();
      await this.db.destroy();
      rmSync(this.home, { recursive: true, force: true });
    }
  }
}

/** Shorthand for SchedulerStack.start. */
export function startSchedulerStack(options: SchedulerStackOptions = {}): Promise<SchedulerStack> {
  return SchedulerStack.start(options);
}
