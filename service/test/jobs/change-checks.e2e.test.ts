/**
 * The scheduler's batched change checks end to end (simulator, embedded PostgreSQL, pg-boss, the real tick): once
 * everything is backed up, idle objects are asked in a few /composite calls instead of a slice each, and a change
 * made to one of them while the org is idle is backed up within the hour the continuous schedule promises.
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
import { setOrgEnabled } from '../../src/store/orgs/org-repository.js';
import { listRegistry } from '../../src/store/registry/object-registry.js';
import { recordHistory } from '../../src/store/versions/version-reader.js';
import { registerSimOrg, TEST_MASTER_KEY } from '../support/engine-fixture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

const logger = createLogger('silent');
const MIN = 60_000;
const CUSTOM = Array.from({ length: 30 }, (_, i) => `Quiet${String(i).padStart(2, '0')}__c`);

let sim: Simulator;
let db: TestDatabase;
let home: string;
let scheduler: BackupScheduler;

const admin = (pathname: string, body?: unknown) => simAdmin(sim, 'POST', pathname, body);

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** No backup job queued or running, twice in a row a tick apart. */
async function queueIdle(): Promise<void> {
  let quiet = 0;
  await waitFor('an idle queue', async () => {
    const { rows } = await db.knex.raw<{ rows: Array<{ n: string }> }>(
      `SELECT count(*) AS n FROM pgboss.job
        WHERE name IN ('backup-object', 'backup-check', 'backup-scan') AND state <= 'active'`,
    );
    quiet = Number(rows[0]!.n) === 0 ? quiet + 1 : 0;
    return quiet >= 6 ? true : undefined;
  });
}

before(async () => {
  sim = await startSimulator({ seed: 'small' });
  db = await createTestDatabase();
  home = mkdtempSync(path.join(tmpdir(), 'ab-checks-'));
  for (const object of CUSTOM)
    await admin('schema', { object, fields: [{ name: 'Note__c', type: 'string' }] });
  // The org's data is old when the backup starts: its objects are idle.
  await admin('clock', { advanceMs: 24 * 3600_000 });
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
      clockProbeMs: 200,
      stopTimeoutMs: 30_000,
      engine: { bulkThreshold: 1_000_000, bulkPollIntervalMs: 20 },
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

describe('batched change checks in the scheduler', () => {
  test('idle objects are checked in a few composite calls; a change is backed up within the hour', async () => {
    const objects = await waitFor('every object caught up', async () => {
      const registry = await listRegistry(db.knex, sim.orgId);
      const active = registry.filter((o) => o.support === 'supported' && o.access === 'available');
      return active.length > CUSTOM.length && active.every((o) => o.backfillCompletedAt && o.caughtUpAt)
        ? active
        : undefined;
    });
    await queueIdle();

    // An idle hour: every object is checked once, through composite calls.
    const mark = sim.context.requests.list(0).next;
    await admin('clock', { advanceMs: 62 * MIN });
    await waitFor('every object checked', async () => {
      const registry = await listRegistry(db.knex, sim.orgId);
      const moved = registry.filter((o) =>
        objects.some((x) => x.name === o.name && o.caughtUpAt! > x.caughtUpAt!),
      );
      return moved.length >= objects.length - 1 ? true : undefined; // ContentDocumentLink is sliced
    });
    await queueIdle();
    const requests = sim.context.requests.list(mark).requests;
    const composite = requests.filter((r) => r.path.endsWith('/composite')).length;
    const perObject = requests.filter((r) => r.kind === 'updated' || r.kind === 'deleted').length;
    assert.ok(
      composite >= 1 && composite <= Math.ceil(objects.length / 25) + 3,
      `${composite} composite calls`,
    );
    assert.equal(perObject, 0, 'no getUpdated or getDeleted call of its own');
    const queries = requests.filter((r) => r.kind === 'query' || r.kind === 'queryAll');
    assert.ok(
      queries.every(
        (q) => q.objects.includes('ContentDocumentLink') || q.objects.includes('ContentDocument'),
      ),
      `only ContentDocumentLink (read through its parents) is sliced: ${queries.map((q) => q.objects.join('+')).join(', ')}`,
    );

    // A change while idle: backed up within the hour (plus the lag) the schedule promises.
    const created = (await admin('mutate', {
      object: CUSTOM[7],
      ops: [{ op: 'create', records: [{ Name: 'while idle' }] }],
    })) as { created: string[] };
    const store = { knex: db.knex, blobs: new FsBlobStore(path.join(home, 'bucket')) };
    // The object never held a record: it is asked hourly. Its check falls due within the hour (and the lag).
    let minutes = 0;
    const held = async () =>
      (await recordHistory(store, sim.orgId, CUSTOM[7]!, created.created[0]!)).length > 0;
    for (const step of [20, 20, 20, 5]) {
      if (await held()) break;
      await admin('clock', { advanceMs: step * MIN });
      minutes += step;
      await new Promise((r) => setTimeout(r, 1200));
      await queueIdle();
    }
    assert.ok(await held(), `backed up within ${minutes} minutes of the change`);
  });
});
