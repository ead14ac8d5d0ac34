/**
 * `autobackup serve`: the HTTP API the package calls and the backup scheduler and workers (jobs/backup-scheduler.ts),
 * in one process. On SIGTERM (or SIGINT) it stops taking requests, lets in-flight ones and the backup slice at hand
 * finish, and exits 0.
 */
import { openStore } from './backup/engine-factory.js';
import { createHttpApp } from './http/app.js';
import { PreviewAccess } from './http/preview-access.js';
import { listen, type RunningServer } from './http/server.js';
import type { EngineOptions } from './backup/engine-context.js';
import { BackupScheduler } from './jobs/backup-scheduler.js';
import { createMetrics } from './metrics.js';
import type { DatabaseRuntime } from './runtime.js';
import { LinkSigner } from './secrets/link-signer.js';
import { loadMasterKey } from './secrets/master-key.js';
import { probeBucket, probeDatabase } from './store/health.js';
import { verifyServiceKey } from './store/orgs/service-key-repository.js';
import { openRateLimiter } from './store/rate-limits/key-rate-limiter.js';

export interface ServeOptions {
  /** Interface to listen on (0.0.0.0 in containers; 127.0.0.1 for a local demo). */
  host: string;
  /** Overrides PORT (0 = a free port). */
  port?: number;
  /** Run the backup scheduler and workers too (default true). */
  backup?: boolean;
  /** Engine tuning for the scheduled work (tests shorten the intervals). */
  engine?: Partial<EngineOptions>;
  /** How often an org's clock is measured when no work talked to it (default a minute). */
  clockProbeMs?: number;
  /** At most how often work records an org's clock and API usage for the dashboard (default a minute). */
  contactRecordMs?: number;
  requestTimeoutMs?: number;
  /**
   * Serve the dashboard preview (`npm start`): the built page in `dir` (or once its build resolves), for `orgId`,
   * to browsers signed in with a one-time link (Service.preview). Off unless given; `autobackup serve` never does.
   */
  preview?: { orgId: string; dir: string | Promise<string> };
}

export interface Service {
  server: RunningServer;
  backup: BackupScheduler | undefined;
  /** The preview's sign-in, when it is served: `newLoginPath()` gives a one-time link's path. */
  preview: PreviewAccess | undefined;
  /** Stops taking requests, finishes in-flight ones and the backup slice at hand. */
  stop(): Promise<void>;
}

export async function startService(runtime: DatabaseRuntime, options: ServeOptions): Promise<Service> {
  const { config, knex, logger } = runtime;
  const metrics = createMetrics();
  const store = openStore(config, knex, logger);
  const masterKey = await loadMasterKey(config);
  const preview = options.preview && new PreviewAccess(options.preview.orgId);
  const limiter = openRateLimiter(runtime.databaseUrl, config.rateLimitPerMinute);
  const app = createHttpApp({
    app: { config, logger, store, now: () => new Date() },
    signer: new LinkSigner(masterKey),
    limiter,
    metrics,
    verifyKey: (key) => verifyServiceKey(knex, key),
    probes: { database: () => probeDatabase(knex), bucket: () => probeBucket(store.blobs) },
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    ...(preview && options.preview ? { preview: { access: preview, dir: options.preview.dir } } : {}),
  });
  const server = await listen(app, options.port ?? config.port, options.host);
  const backup =
    options.backup === false
      ? undefined
      : new BackupScheduler(
          { config, knex, logger, metrics, databaseUrl: runtime.databaseUrl },
          {
            workers: config.workers,
            perOrg: config.orgConcurrency,
            tickSeconds: config.tickSeconds,
            engine: { sliceBudgetMs: config.sliceSeconds * 1000, ...options.engine },
            stopTimeoutMs: 60_000,
            clockProbeMs: options.clockProbeMs ?? 60_000,
            ...(options.contactRecordMs !== undefined ? { contactRecordMs: options.contactRecordMs } : {}),
          },
        );
  try {
    await backup?.start();
  } catch (err) {
    await server.close();
    await limiter.close();
    throw err;
  }
  logger.info({ type: 'serve', url: server.url, backup: backup !== undefined }, 'service listening');
  let stopping: Promise<void> | undefined;
  return {
    server,
    backup,
    preview,
    stop() {
      stopping ??= Promise.all([server.close(), backup?.stop()])
        .then(() => limiter.close())
        .then(() => logger.info({ type: 'serve' }, 'service stopped'));
      return stopping;
    },
  };
}
