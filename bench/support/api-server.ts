/**
 * The service under test for bench/api.bench.ts, in a process of its own (so its CPU is its own): the express app
 * of `autobackup serve` (createHttpApp) with the same dependencies serve.ts gives it — service-key auth, the
 * Postgres rate limiter, metrics, the bucket from STORAGE_URL, request logs at LOG_LEVEL — listening on loopback.
 * It talks to its parent over IPC: it sends {ready, url} once listening, answers {cpu} with process.cpuUsage(),
 * and exits on {stop}.
 *
 * Environment: DATABASE_URL, STORAGE_URL, AUTOBACKUP_HOME, AUTOBACKUP_RATE_LIMIT, LOG_LEVEL (as the service reads them).
 */
import { loadConfig } from '../../service/src/config.js';
import { openStore } from '../../service/src/backup/engine-factory.js';
import { createHttpApp } from '../../service/src/http/app.js';
import { listen } from '../../service/src/http/server.js';
import { createLogger } from '../../service/src/logger.js';
import { createMetrics } from '../../service/src/metrics.js';
import { LinkSigner } from '../../service/src/secrets/link-signer.js';
import { createKnex } from '../../service/src/store/db/knex.js';
import { probeBucket, probeDatabase } from '../../service/src/store/health.js';
import { verifyServiceKey } from '../../service/src/store/orgs/service-key-repository.js';
import { postgresRateLimiter } from '../../service/src/store/rate-limits/key-rate-limiter.js';

export type ServerMessage =
  { type: 'ready'; url: string } | { type: 'cpu'; user: number; system: number; rss: number };
export type ParentMessage = { type: 'cpu' } | { type: 'stop' };

const config = loadConfig();
if (!config.databaseUrl) throw new Error('api-server: DATABASE_URL is not set');
const logger = createLogger(config.logLevel);
const knex = createKnex(config.databaseUrl);
const store = openStore(config, knex, logger);
const app = createHttpApp({
  app: { config, logger, store, now: () => new Date() },
  signer: new LinkSigner(Buffer.alloc(32, 9)),
  limiter: postgresRateLimiter(knex, config.rateLimitPerMinute),
  metrics: createMetrics(),
  verifyKey: (key) => verifyServiceKey(knex, key),
  probes: { database: () => probeDatabase(knex), bucket: () => probeBucket(store.blobs) },
  requestTimeoutMs: 30_000,
});
const server = await listen(app, 0, '127.0.0.1');
const send = (message: ServerMessage) => process.send!(message);

process.on('message', (message: ParentMessage) => {
  if (message.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    send({ type: 'cpu', user, system, rss: process.memoryUsage.rss() });
  } else if (message.type === 'stop') {
    void server
      .close(1000)
      .then(() => knex.destroy())
      .then(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', url: server.url });
