/**
 * The job queues replicas share, on pg-boss in the service's own PostgreSQL (schema `pgboss`): no coordinator
 * of our own. Each queue keeps at most one job queued and one active per key (pg-boss's `stately` policy), so a
 * tick that finds an object due again while its slice is queued adds nothing, and two slices of one object never
 * run at once. Jobs carry their org as their group, which caps how many of one org's jobs run across the cluster.
 * The tick asks which keys have a job queued or active (busyKeys) and sends nothing for those: a busy backfill
 * would otherwise cost an INSERT refused by the unique index for every object on every tick.
 */
import { PgBoss, type Job } from 'pg-boss';
import type { Knex } from 'knex';
import type { Logger } from '../../logger.js';
import { withMigrationLock } from '../db/migrate.js';

export const QUEUES = {
  /** One object's records and deletes, a bounded slice at a time. */
  object: 'backup-object',
  /** One org's schema scan. */
  scan: 'backup-scan',
  /** One org's batched change checks of caught-up objects (backup/change-check.ts). */
  check: 'backup-check',
  /** One org's bucket maintenance (orphans, sweep, compaction). */
  maintenance: 'store-maintenance',
  /** Jobs that failed every attempt (their worker died or the handler kept throwing). */
  dead: 'backup-dead',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface QueuedWork {
  orgId: string;
  object?: string;
  /**
   * Object work: the object's caught-up time (ISO) when it was found due. A job queued while a slice of the
   * object was running is stale once that slice caught the object up further (undefined: always worked).
   */
  caughtUpAt?: string | null;
  /** A change check (org key): the objects to check and the caught-up time each was found due after. */
  checks?: Array<{ object: string; caughtUpAt: string | null }>;
}

export interface WorkerOptions {
  /** Jobs this process runs at once from the queue. */
  concurrency: number;
  /** Jobs of one org running at once across every replica. */
  perOrg?: number;
}

export interface QueueDepth {
  queue: string;
  queued: number;
  active: number;
  failed: number;
}

/** The key pg-boss keeps one job queued and one active for: the org, or the org and object. */
export function workKey(work: QueuedWork): string {
  return work.object === undefined ? work.orgId : `${work.orgId}/${work.object}`;
}

/** How busyKeys names a job's key in its queue. */
export function busyKey(queue: QueueName, work: QueuedWork): string {
  return `${queue}:${workKey(work)}`;
}

export class WorkQueue {
  private constructor(
    private readonly boss: PgBoss,
    private readonly knex: Knex,
    private readonly logger: Logger,
  ) {}

  /**
   * Opens the queues: pg-boss's schema is created or migrated under the service's migration lock, so replicas
   * starting together on an empty database take turns. `heartbeatSeconds`: a job whose worker stops
   * heartbeating (a killed process) is retried after that long.
   */
  static async open(
    knex: Knex,
    databaseUrl: string,
    logger: Logger,
    options: { expireInSeconds: number; heartbeatSeconds: number },
  ): Promise<WorkQueue> {
    const boss = new PgBoss({
      connectionString: databaseUrl,
      schema: 'pgboss',
      application_name: 'autobackup-queue',
      max: 4,
      schedule: false,
      // How often a job whose worker stopped heartbeating is noticed (pg-boss's default is a minute): a killed
      // replica's objects go back to work about `heartbeatSeconds` + 15 s after it died.
      monitorIntervalSeconds: 15,
      superviseIntervalSeconds: 15,
    });
    boss.on('error', (err: Error) => logger.error({ type: 'work-queue', err }, 'job queue error'));
    await withMigrationLock(knex, async () => {
      await boss.start();
      await boss.createQueue(QUEUES.dead, { policy: 'standard', retentionSeconds: 7 * 24 * 3600 });
      const common = {
        policy: 'stately' as const,
        expireInSeconds: options.expireInSeconds,
        heartbeatSeconds: options.heartbeatSeconds,
        retryLimit: 3,
        retryDelay: 30,
        retryBackoff: true,
        deadLetter: QUEUES.dead,
        deleteAfterSeconds: 24 * 3600,
      };
      for (const name of [QUEUES.object, QUEUES.scan, QUEUES.maintenance, QUEUES.check])
        await boss.createQueue(name, common);
    });
    return new WorkQueue(boss, knex, logger);
  }

  /** Queues `work` unless a job with the same key is already queued; false when one was. */
  async add(queue: QueueName, work: QueuedWork): Promise<boolean> {
    const id = await this.boss.send(queue, work as unknown as object, {
      singletonKey: workKey(work),
      group: { id: work.orgId },
    });
    return id !== null;
  }

  /**
   * Keys of `queues` with a job queued or active anywhere in the cluster, as busyKey names them. Reads
   * pg-boss's job table (the pinned release's schema) through its index of stately jobs that are not done.
   */
  async busyKeys(queues: readonly QueueName[]): Promise<Set<string>> {
    const { rows } = await this.knex.raw<{ rows: Array<{ name: string; key: string }> }>(
      `SELECT name, singleton_key AS key FROM pgboss.job
        WHERE name = ANY(?) AND state <= 'active' AND policy = 'stately' AND singleton_key IS NOT NULL`,
      [[...queues]],
    );
    return new Set(rows.map((r) => `${r.name}:${r.key}`));
  }

  /**
   * Runs `handler` for jobs of `queue`; a handler that throws fails the job (retried, then dead). Each worker
   * fetches its next job as soon as it finished one (pg-boss would otherwise sleep out the rest of its polling
   * second after every job shorter than that); only a fetch that finds nothing waits for the next poll.
   */
  async work(
    queue: QueueName,
    options: WorkerOptions,
    handler: (work: QueuedWork, job: { id: string; retryCount: number }) => Promise<void>,
  ): Promise<void> {
    for (let i = 0; i < options.concurrency; i++) {
      const worker: { id?: string } = {};
      worker.id = await this.boss.work<QueuedWork>(
        queue,
        {
          batchSize: 1,
          localConcurrency: 1,
          pollingIntervalSeconds: 1,
          ...(options.perOrg !== undefined ? { groupConcurrency: options.perOrg } : {}),
        },
        async (jobs: Job<QueuedWork>[]) => {
          try {
            for (const job of jobs) await handler(job.data, { id: job.id, retryCount: job.retryCount ?? 0 });
          } finally {
            // Notified while handling, the worker skips its polling delay once the job is settled.
            if (worker.id !== undefined) this.boss.notifyWorker(worker.id);
          }
        },
      );
    }
  }

  /** Stops taking jobs from every queue; running handlers finish. */
  async pause(): Promise<void> {
    for (const name of Object.values(QUEUES)) await this.boss.offWork(name).catch(() => undefined);
  }

  /** Jobs per queue and state across the cluster (pg-boss's own counts, refreshed by its monitor). */
  async depths(): Promise<QueueDepth[]> {
    const out: QueueDepth[] = [];
    for (const queue of [QUEUES.object, QUEUES.check, QUEUES.scan, QUEUES.maintenance, QUEUES.dead]) {
      const q = await this.boss.getQueue(queue);
      if (q) out.push({ queue, queued: q.queuedCount, active: q.activeCount, failed: q.failedCount ?? 0 });
    }
    return out;
  }

  /** Waits up to `timeoutMs` for running handlers, then closes the queue's connections. */
  async close(timeoutMs: number): Promise<void> {
    await this.boss.stop({ graceful: true, close: true, timeout: timeoutMs });
    this.logger.debug({ type: 'work-queue' }, 'job queue closed');
  }
}
