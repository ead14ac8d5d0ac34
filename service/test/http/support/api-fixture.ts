/**
 * Test support for the HTTP API: a real PostgreSQL database, a filesystem bucket and the org simulator, the
 * simulator's org registered and backed up once by the engine, and the service's express app listening on a
 * free port — the same app `autobackup serve` runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSimulator, type Simulator } from '../../../../test/sf-sim/src/index.js';
import type { AppContext } from '../../../src/app/app-context.js';
import { runBackupPass } from '../../../src/backup/backup-pass.js';
import { loadConfig } from '../../../src/config.js';
import { createHttpApp } from '../../../src/http/app.js';
import type { HttpDeps } from '../../../src/http/route-spec.js';
import { listen, type RunningServer } from '../../../src/http/server.js';
import { createLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { LinkSigner } from '../../../src/secrets/link-signer.js';
import { FsBlobStore } from '../../../src/store/blob/fs-blob-store.js';
import { probeBucket, probeDatabase } from '../../../src/store/health.js';
import { verifyServiceKey } from '../../../src/store/orgs/service-key-repository.js';
import { postgresRateLimiter } from '../../../src/store/rate-limits/key-rate-limiter.js';
import { engineFor, registerSimOrg, TEST_MASTER_KEY } from '../../support/engine-fixture.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-db.js';

export interface ApiFixture {
  sim: Simulator;
  db: TestDatabase;
  orgId: string;
  serviceKey: string;
  app: AppContext;
  deps: HttpDeps;
  server: RunningServer;
  /** Requests to the service, with `serviceKey` unless `key` says otherwise (null: none). */
  call(method: string, pathname: string, options?: CallOptions): Promise<Response>;
  close(): Promise<void>;
}

export interface CallOptions {
  key?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
}

export async function startApiFixture(
  options: { env?: NodeJS.ProcessEnv; overrides?: Partial<HttpDeps>; records?: number } = {},
): Promise<ApiFixture> {
  const sim = await startSimulator({
    seed: 'small',
    ...(options.records ? { records: options.records } : {}),
  });
  const db = await createTestDatabase();
  const bucketDir = mkdtempSync(path.join(tmpdir(), 'api-bucket-'));
  const { orgId, serviceKey } = await registerSimOrg(sim, db.knex);
  const blobs = new FsBlobStore(bucketDir);
  const engine = await engineFor(sim, db.knex, blobs, { restSliceSize: 500, bulkThreshold: 1_000_000 });
  await runBackupPass(engine);

  const config = loadConfig({
    AUTOBACKUP_HOME: bucketDir,
    PUBLIC_URL: 'https://backup.example.com',
    ...options.env,
  });
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const app: AppContext = { config, logger, store: { knex: db.knex, blobs }, now: () => new Date() };
  const deps: HttpDeps = {
    app,
    signer: new LinkSigner(TEST_MASTER_KEY),
    limiter: postgresRateLimiter(db.knex, config.rateLimitPerMinute),
    metrics: createMetrics({ processMetrics: false }),
    verifyKey: (key) => verifyServiceKey(db.knex, key),
    probes: { database: () => probeDatabase(db.knex), bucket: () => probeBucket(blobs) },
    requestTimeoutMs: 30_000,
    ...options.overrides,
  };
  const server = await listen(createHttpApp(deps), 0, '127.0.0.1');
  const fixture: ApiFixture = {
    sim,
    db,
    orgId,
    serviceKey,
    app,
    deps,
    server,
    call(method, pathname, call = {}) {
      const key = call.key === undefined ? fixture.serviceKey : call.key;
      const headers: Record<string, string> = { ...(key !== null ? { authorization: `Bearer ${key}` } : {}) };
      let body: string | undefined;
      if (call.body !== undefined) {
        body = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
        headers['content-type'] = 'application/json';
      }
      return fetch(`${server.url}${pathname}`, { method, headers: { ...headers, ...call.headers }, body });
    },
    async close() {
      await server.close(1000);
      await sim.close();
      await db.destroy();
      rmSync(bucketDir, { recursive: true, force: true });
    },
  };
  return fixture;
}
