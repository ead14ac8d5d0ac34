/**
 * The API budget in continuous backup: the real scheduler (pg-boss queues, node-cron tick), the org simulator
 * counting every call as Salesforce does, embedded PostgreSQL. A small daily allowance runs out mid-backfill: the
 * backup stops under its share without a single refused call, objects wait for the budget and the dashboard says
 * until when; the simulated day rolls and it goes on to the end, nothing lost. Two schedulers share one org's
 * budget; requests in flight never exceed the per-org cap.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../../test/sf-sim/src/index.js';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import type { AppContext } from '../../src/app/app-context.js';
import { getDashboard, listObjects } from '../../src/app/dashboard.js';
import type { EngineOptions } from '../../src/backup/engine-context.js';
import { loadConfig, type Config } from '../../src/config.js';
import { BackupScheduler } from '../../src/jobs/backup-scheduler.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { FsBlobStore } from '../../src/store/blob/fs-blob-store.js';
import { setOrgEnabled, updateOrgSettings } from '../../src/store/orgs/org-repository.js';
import { listRegistry, type RegistryObject } from '../../src/store/registry/object-registry.js';
import { registerSimOrg, TEST_MASTER_KEY } from '../support/engine-fixture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';
import { truthMismatches } from '../support/truth-check.js';

const logger = createLogger('silent');
const DAY = 24 * 3600_000;
const LAG_MS = 1000;
const ENGINE: Partial<EngineOptions> = {
  lagMs: LAG_MS,
  restSliceSize: 1,
  bulkThreshold: 1_000_000,
  bulkPollIntervalMs: 20,
};

interface Logged {
  session: string;
  status: number | null;
  startedAt: number;
  endedAt: number | null;
}

interface Setup {
  sim: Simulator;
  db: TestDatabase;
  home: string;
  config: Config;
  schedulers: BackupScheduler[];
}

async function createAccounts(sim: Simulator, accounts: number): Promise<void> {
  for (let done = 0; done < accounts; done += 1000) {
    const records = Array.from({ length: Math.min(1000, accounts - done) }, (_, i) => ({
      Name: `Budget ${done + i}`,
    }));
    await simAdmin(sim, 'POST', 'mutate', { object: 'Account', ops: [{ op: 'create', records }] });
  }
}

async function createAttachments(sim: Simulator, count: number): Promise<void> {
  const parent = (await simAdmin(sim, 'POST', 'mutate', {
    object: 'Account',
    ops: [{ op: 'create', records: [{ Name: 'Attachment parent' }] }],
  })) as { created: string[] };
  const records = Array.from({ length: count }, (_, i) => ({
    Name: `note-${i}.txt`,
    ParentId: parent.created[0],
    Body: Buffer.from(`note ${i}`).toString('base64'),
  }));
  await simAdmin(sim, 'POST', 'mutate', { object: 'Attachment', ops: [{ op: 'create', records }] });
}

async function setUp(): Promise<Setup> {
  const sim = await startSimulator({ seed: 'none' });
  const db = await createTestDatabase();
  const home = mkdtempSync(path.join(tmpdir(), 'ab-budget-'));
  await registerSimOrg(sim, db.knex);
  await setOrgEnabled(db.knex, sim.orgId);
  const config = loadConfig({
    AUTOBACKUP_HOME: home,
    AUTOBACKUP_MASTER_KEY: TEST_MASTER_KEY.toString('hex'),
    DATABASE_URL: db.url,
  });
  return { sim, db, home, config, schedulers: [] };
}

async function startScheduler(
  s: Setup,
  options: { workers: number; perOrg: number },
  engine: Partial<EngineOptions> = ENGINE,
): Promise<void> {
  const scheduler = new BackupScheduler(
    {
      config: s.config,
      knex: s.db.knex,
      databaseUrl: s.db.url,
      logger,
      metrics: createMetrics({ processMetrics: false }),
    },
    { ...options, tickSeconds: 1, clockProbeMs: 500, stopTimeoutMs: 30_000, engine },
  );
  await scheduler.start();
  s.schedulers.push(scheduler);
}

async function tearDown(s: Setup | undefined): Promise<void> {
  if (!s) return;
  for (const scheduler of s.schedulers) await scheduler.stop();
  await s.sim.close();
  await s.db.destroy();
  rmSync(s.home, { recursive: true, force: true });
}

async function requests(sim: Simulator): Promise<Logged[]> {
  return ((await simAdmin(sim, 'GET', 'requests?since=0')) as { requests: Logged[] }).requests;
}

async function simUsage(sim: Simulator): Promise<{ used: number; max: number }> {
  return ((await simAdmin(sim, 'GET', 'stats')) as { apiUsage: { used: number; max: number } }).apiUsage;
}

async function activeObjects(s: Setup): Promise<RegistryObject[]> {
  return (await listRegistry(s.db.knex, s.sim.orgId)).filter(
    (o) => o.support === 'supported' && o.access === 'available' && !o.excludedByUser,
  );
}

/**
 * Waits until the backup is at rest after something new happened: at least one call reached the org since the
 * wait began, then none for `quietMs`, and every object is either caught up or waiting for the budget (until a
 * time still ahead on the org's clock). Says which of the two.
 */
async function atRest(s: Setup, quietMs = 3000, timeoutMs = 45_000): Promise<'caught-up' | 'waiting'> {
  const deadline = Date.now() + timeoutMs;
  const initial = (await requests(s.sim)).length;
  let last = initial;
  let quietSince = Date.now();
  for (;;) {
    const count = (await requests(s.sim)).length;
    if (count !== last) {
      last = count;
      quietSince = Date.now();
    }
    const simNow = s.sim.org.clock.nowMs();
    const objects = await activeObjects(s);
    const waiting = (o: RegistryObject) => o.budgetWaitUntil && o.budgetWaitUntil.getTime() > simNow;
    const settled =
      last > initial &&
      objects.length > 0 &&
      objects.every((o) => !o.runningSince && (waiting(o) || (o.caughtUpAt && !o.budgetWaitUntil)));
    if (settled && Date.now() - quietSince >= quietMs)
      return objects.some((o) => waiting(o)) ? 'waiting' : 'caught-up';
    if (Date.now() > deadline) {
      const unsettled = objects
        .filter((o) => o.runningSince || !(waiting(o) || (o.caughtUpAt && !o.budgetWaitUntil)))
        .map(
          (o) =>
            `${o.name} (caught up ${o.caughtUpAt?.toISOString()}, waits ${o.budgetWaitUntil?.toISOString()})`,
        );
      const tail = (await requests(s.sim)).slice(-8) as Array<Logged & { path: string; method: string }>;
      throw new Error(
        `the backup did not come to rest (last calls: ${tail.map((r) => `${r.method} ${r.path} ${r.status}`).join('; ')}): ${last - initial} calls; now ${new Date(simNow).toISOString()}; ${unsettled.join(', ')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function appContext(s: Setup): AppContext {
  return {
    config: s.config,
    logger,
    store: { knex: s.db.knex, blobs: new FsBlobStore(path.join(s.home, 'bucket')) },
    now: () => new Date(),
  };
}

/** The most requests of `sessions` in flight at once, from the simulator's request log. */
function maxOverlap(log: Logged[]): number {
  const events = log.flatMap((r) => [
    { at: r.startedAt, d: 1 },
    { at: r.endedAt ?? Date.now(), d: -1 },
  ]);
  events.sort((a, b) => a.at - b.at || a.d - b.d); // an end before a start at the same millisecond
  let now = 0;
  let most = 0;
  for (const e of events) {
    now += e.d;
    most = Math.max(most, now);
  }
  return most;
}

describe('the API budget in continuous backup', () => {
  let s: Setup | undefined;
  after(() => tearDown(s));

  test('the daily limit reached mid-backfill: stops under the share, waits, resumes when the day rolls', async () => {
    s = await setUp();
    // A small allowance: the service may use 150 calls a rolling day, less than the backfill needs.
    await simAdmin(s.sim, 'POST', 'limits', { dailyApiRequests: 300 });
    // A backlog: Attachment is not in Bulk API 2.0, and REST slices of one row cost a call each.
    await createAttachments(s.sim, 200);
    await updateOrgSettings(s.db.knex, s.sim.orgId, { mode: 'objects_only' }); // records only: no file bodies
    await startScheduler(s, { workers: 4, perOrg: 4 });
    const ctx = appContext(s);

    let days = 0;
    let waited = 0;
    for (;;) {
      const rest = await atRest(s);
      const usage = await simUsage(s.sim);
      assert.ok(usage.used <= 150, `day ${days}: the service made ${usage.used} calls, more than its 150`);
      if (rest === 'caught-up') break;
      waited += 1;
      const dashboard = await getDashboard(ctx, s.sim.orgId);
      assert.ok(dashboard.api.waitingForBudgetUntil, 'the dashboard says until when the backup waits');
      assert.equal(dashboard.api.serviceMax, 150);
      assert.ok(
        dashboard.api.serviceUsed > 0 && dashboard.api.serviceUsed <= 150,
        String(dashboard.api.serviceUsed),
      );
      const until = Date.parse(dashboard.api.waitingForBudgetUntil);
      const simNow = s.sim.org.clock.nowMs();
      assert.ok(
        until > simNow && until <= simNow + DAY + 60_000,
        `waits until ${dashboard.api.waitingForBudgetUntil}, now ${new Date(simNow).toISOString()}`,
      );
      const listed = await listObjects(ctx, s.sim.orgId, { limit: 200 });
      const waiting = listed.items.filter((i) => i.waitingFor === 'api-budget');
      assert.ok(waiting.length > 0, 'objects say they wait for the API budget');
      assert.ok(waiting.every((i) => i.status === 'Waiting'));
      assert.ok(days < 8, 'the backup completes within a few simulated days');
      // The simulated day rolls: the allowance frees, and the backup goes on by itself.
      await simAdmin(s.sim, 'POST', 'clock', { advanceMs: DAY });
      days += 1;
    }
    assert.ok(waited > 0, 'the allowance ran out at least once');
    const refused = (await requests(s.sim)).filter((r) => r.status === 403);
    assert.equal(refused.length, 0, 'Salesforce never had to refuse a call');
    const store = appContext(s).store;
    const objects = (await activeObjects(s)).map((o) => o.name);
    assert.deepEqual(await truthMismatches(s.sim, store, objects, LAG_MS), []);
    const dashboard = await getDashboard(ctx, s.sim.orgId);
    assert.equal(dashboard.api.waitingForBudgetUntil, null);
    assert.equal(dashboard.errors.open, 0, 'waiting for the budget is no error');
  });

  test('two schedulers share one budget within 1 %, and never have more requests in flight than the cap', async () => {
    await tearDown(s);
    s = await setUp();
    await startScheduler(s, { workers: 3, perOrg: 3 });
    await startScheduler(s, { workers: 3, perOrg: 3 });
    assert.equal(await atRest(s), 'caught-up');
    // A new day with max 400 and share 0.5: the service may make 200 calls; 300 new accounts read one a call need
    // more.
    await simAdmin(s.sim, 'POST', 'clock', { advanceMs: DAY });
    await simAdmin(s.sim, 'POST', 'limits', { dailyApiRequests: 400 });
    await createAccounts(s.sim, 300);
    await simAdmin(s.sim, 'POST', 'clock', { advanceMs: 10 * 60_000 }); // past the lag and the poll interval
    assert.equal(await atRest(s, 4000, 240_000), 'waiting');
    const usage = await simUsage(s.sim);
    assert.ok(usage.used >= 198 && usage.used <= 200, `the service made ${usage.used} calls of its 200`);
    const log = await requests(s.sim);
    assert.equal(log.filter((r) => r.status === 403).length, 0);
    const inFlight = maxOverlap(log);
    // Object jobs per org, the org's change check, its schema scan (describes in /composite calls, one at a time).
    const cap = 3 + 1 + 1;
    assert.ok(inFlight >= 1 && inFlight <= cap, `at most ${inFlight} requests in flight (cap ${cap})`);
  });
});
