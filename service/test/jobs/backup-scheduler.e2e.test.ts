/**
 * The scheduler end to end: the org simulator, embedded PostgreSQL, a filesystem bucket and the real pg-boss
 * queues and node-cron tick. What falls due follows the org's own clock, which the tests move.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../../test/sf-sim/src/index.js';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import { loadConfig } from '../../src/config.js';
import { BackupScheduler } from '../../src/jobs/backup-scheduler.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { FsBlobStore } from '../../src/store/blob/fs-blob-store.js';
import { setOrgEnabled, updateOrgSettings } from '../../src/store/orgs/org-repository.js';
import { listRegistry } from '../../src/store/registry/object-registry.js';
import { recordHistory } from '../../src/store/versions/version-reader.js';
import { registerSimOrg, TEST_MASTER_KEY } from '../support/engine-fixture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

const logger = createLogger('silent');
let sim: Simulator;
let db: TestDatabase;
let home: string;
let scheduler: BackupScheduler;

const admin = (pathname: string, body?: unknown) => simAdmin(sim, 'POST', pathname, body);
const HOUR = 3600_000;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const store = () => ({ knex: db.knex, blobs: new FsBlobStore(path.join(home, 'bucket')) });

async function createAccount(name: string): Promise<string> {
  const created = (await admin('mutate', {
    object: 'Account',
    ops: [{ op: 'create', records: [{ Name: name }] }],
  })) as { created: string[] };
  return created.created[0]!;
}

const captured = async (id: string) =>
  (await recordHistory(store(), sim.orgId, 'Account', id)).length > 0 ? true : undefined;

before(async () => {
  sim = await startSimulator({ seed: 'small' });
  db = await createTestDatabase();
  home = mkdtempSync(path.join(tmpdir(), 'ab-scheduler-'));
  await registerSimOrg(sim, db.knex);
  await setOrgEnabled(db.knex, sim.orgId);
  const config = loadConfig({
    AUTOBACKUP_HOME: home,
    AUTOBACKUP_MASTER_KEY: TEST_MASTER_KEY.toString('hex'),
    DATABASE_URL: db.url,
  });
  scheduler = new BackupScheduler(
    { config, knex: db.knex, databaseUrl: db.url, logger, metrics: createMetrics({ processMetrics: false }) },
    {
      workers: 4,
      perOrg: 4,
      tickSeconds: 1,
      clockProbeMs: 500,
      stopTimeoutMs: 30_000,
      engine: { restSliceSize: 250, bulkThreshold: 1_000_000, bulkPollIntervalMs: 20 },
    },
  );
  await scheduler.start();
});

after(async () => {
  await scheduler?.stop();
  await sim?.close();
  await db?.destroy();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('the backup scheduler', () => {
  test('backs up every object by itself, then catches a new record within the simulated hour', async () => {
    const objects = await waitFor('every object caught up', async () => {
      const registry = await listRegistry(db.knex, sim.orgId);
      const active = registry.filter((o) => o.support === 'supported' && o.access === 'available');
      return active.length > 0 && active.every((o) => o.backfillCompletedAt && o.caughtUpAt)
        ? active
        : undefined;
    });
    assert.ok(objects.length > 10, 'the scan found the org’s objects');

    const id = await createAccount('Scheduled Newcomer');
    // Nothing is due until the org's clock passes the lag and the poll interval.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(await captured(id), undefined, 'not read before it is due');
    await admin('clock', { advanceMs: HOUR });
    await waitFor('the new record in the backup', () => captured(id), 60_000);
  });

  test('a paused org is left alone, and resumes where it left off', async () => {
    await updateOrgSettings(db.knex, sim.orgId, { mode: 'paused' });
    const id = await createAccount('While Paused');
    await admin('clock', { advanceMs: HOUR });
    await new Promise((r) => setTimeout(r, 5000));
    assert.equal(await captured(id), undefined, 'nothing backed up while paused');

    await updateOrgSettings(db.knex, sim.orgId, { mode: 'objects_and_files' });
    await waitFor('the record after resuming', () => captured(id), 60_000);
  });
});
