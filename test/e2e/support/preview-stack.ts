/**
 * What `npm start` runs, in this process and quick: the org simulator, a fresh database on the test PostgreSQL,
 * a filesystem bucket, and the service backing the org up (one-second ticks, no lag, short polls) and serving
 * the dashboard preview built from force-app. The browser tests and `npm run screenshots` use it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildPreview } from '../../../preview/build.js';
import { loadConfig } from '../../../service/src/config.js';
import { Lifecycle } from '../../../service/src/lifecycle.js';
import { createLogger } from '../../../service/src/logger.js';
import { startService, type Service } from '../../../service/src/serve.js';
import { registerSimOrg, TEST_MASTER_KEY } from '../../../service/test/support/engine-fixture.js';
import { createTestDatabase, type TestDatabase } from '../../../service/test/support/test-db.js';
import { startSimulator, type Simulator } from '../../sf-sim/src/index.js';
import { admin } from '../../sf-sim/test/support/sim-client.js';

export interface PreviewStack {
  sim: Simulator;
  db: TestDatabase;
  orgId: string;
  service: Service;
  /** http://127.0.0.1:port of the service. */
  url: string;
  /** A new one-time login link, as `npm start` prints it. */
  loginUrl(): string;
  /** The service's API with the org's service key (for waiting on the backup, not for what the page shows). */
  api<T>(pathname: string): Promise<T>;
  /** The simulator's admin API (`/__sim/…`): changes, faults. */
  simAdmin(method: string, pathname: string, body?: unknown): Promise<unknown>;
  /** Resolves once `probe` answers something other than undefined (polling every 250 ms), else throws. */
  waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export async function startPreviewStack(
  options: {
    seed?: 'small' | 'demo';
    records?: number;
    churn?: number;
    /** Where the service's database comes from (default: a fresh one on the test PostgreSQL). */
    database?: () => Promise<TestDatabase>;
    /** Registers the org paused (`orgs add --paused`): the page opens on the first-run panel. */
    paused?: boolean;
  } = {},
): Promise<PreviewStack> {
  const [preview, sim, db] = await Promise.all([
    buildPreview(),
    startSimulator({
      seed: options.seed ?? 'small',
      ...(options.records ? { records: options.records } : {}),
      ...(options.churn ? { churn: options.churn } : {}),
    }),
    (options.database ?? createTestDatabase)(),
  ]);
  const home = mkdtempSync(path.join(tmpdir(), 'ab-preview-'));
  const { orgId, serviceKey } = await registerSimOrg(sim, db.knex, { paused: options.paused ?? false });
  const config = loadConfig({
    AUTOBACKUP_HOME: home,
    AUTOBACKUP_MASTER_KEY: TEST_MASTER_KEY.toString('hex'),
    DATABASE_URL: db.url,
    AUTOBACKUP_TICK_SECONDS: '1',
    AUTOBACKUP_LAG_SECONDS: '0',
    PUBLIC_URL: 'http://127.0.0.1:1', // only the errors CSV link would use it, and the page takes the CSV itself
  });
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const service = await startService(
    { config, logger, lifecycle: new Lifecycle(logger), knex: db.knex, databaseUrl: db.url, embedded: false },
    {
      host: '127.0.0.1',
      port: 0,
      clockProbeMs: 500,
      contactRecordMs: 1000, // the dashboard shows a change of the org's API usage within seconds
      engine: { lagMs: 0, pollIntervalMs: 1000, maxPollIntervalMs: 2000, bulkPollIntervalMs: 50 },
      preview: { orgId, dir: preview.dir },
    },
  );
  const url = service.server.url;
  return {
    sim,
    db,
    orgId,
    service,
    url,
    loginUrl: () => `${url}${service.preview!.newLoginPath()}`,
    async api<T>(pathname: string) {
      const answer = await fetch(`${url}/api/v1/orgs/${orgId}${pathname}`, {
        headers: { authorization: `Bearer ${serviceKey}` },
      });
      if (!answer.ok) throw new Error(`GET ${pathname}: HTTP ${answer.status} ${await answer.text()}`);
      return (await answer.json()) as T;
    },
    simAdmin: (method, pathname, body) => admin(sim, method, pathname, body),
    async waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await probe();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    async close() {
      await service.stop();
      await sim.close();
      await db.destroy();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
