/**
 * The records engine under the conditions a real org and network bring: late commits, an org clock ahead of or
 * behind this host, tokens expiring mid-run, 5xx and connection-reset storms, and the process killed in the middle
 * of a backfill. Backups go to the GCS store (through the GCS test server); every scenario ends with `verify`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { startGcsSim, type GcsSim } from '../../../test/gcs-sim/src/index.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../../test/sf-sim/src/index.js';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import { runBackupPass } from '../../src/backup/backup-pass.js';
import { DEFAULT_ENGINE_OPTIONS, type EngineContext } from '../../src/backup/engine-context.js';
import { verifyOrg } from '../../src/backup/verify.js';
import { createLogger } from '../../src/logger.js';
import { openBlobStore } from '../../src/store/blob/open-blob-store.js';
import { getRegistryObject } from '../../src/store/registry/object-registry.js';
import { recordHistory } from '../../src/store/versions/version-reader.js';
import { REPO_ROOT } from '../support/shared-test-postgres.js';
import { engineFor, registerSimOrg, TEST_MASTER_KEY } from '../support/engine-fixture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';
import { truthMismatches } from '../support/truth-check.js';

const logger = createLogger('silent');
const LAG = DEFAULT_ENGINE_OPTIONS.lagMs;
let gcs: GcsSim;

before(async () => {
  gcs = await startGcsSim();
  process.env.STORAGE_EMULATOR_HOST = gcs.url;
});
after(async () => {
  await gcs?.close();
});

interface Setup {
  sim: Simulator;
  db: TestDatabase;
  ctx: EngineContext;
  storageUrl: string;
  admin(pathname: string, body?: unknown, method?: string): Promise<unknown>;
}

let bucketCounter = 0;
/** Each test's own org: simulator, database and bucket (on the shared GCS test server), removed when it ends. */
async function setUp(
  t: TestContext,
  simOptions: SimulatorOptions = {},
  beforeRegister?: (sim: Simulator) => void,
): Promise<Setup> {
  const sim = await startSimulator({ seed: 'small', ...simOptions });
  t.after(() => sim.close());
  beforeRegister?.(sim);
  const db = await createTestDatabase();
  t.after(() => db.destroy());
  const storageUrl = `gs://ab-resilience-${process.pid}-${bucketCounter++}/backups`;
  await registerSimOrg(sim, db.knex);
  const ctx = await engineFor(sim, db.knex, openBlobStore(storageUrl, { logger }), { restSliceSize: 300 });
  const admin = (pathname: string, body?: unknown, method = 'POST') => simAdmin(sim, method, pathname, body);
  return { sim, db, ctx, storageUrl, admin };
}

async function assertNoGaps(
  ctx: EngineContext,
  sim: Simulator,
  objects = ['Account', 'Contact', 'Lead', 'Opportunity'],
): Promise<void> {
  const result = await verifyOrg(ctx);
  assert.deepEqual(
    result.objects.flatMap((o) => o.gaps),
    [],
    'verify finds no gap',
  );
  assert.deepEqual(
    await truthMismatches(sim, ctx.store, objects, ctx.options.lagMs),
    [],
    'the backup matches the ground truth',
  );
}

const liveIds = (sim: Simulator, object: string, n: number) =>
  sim.org.query(`SELECT Id FROM ${object} ORDER BY Id LIMIT ${n}`).records.map((r) => String(r.Id));

describe('the records engine under real-world conditions', () => {
  test('a transaction committing later than the lag is caught by the overlap re-read', async (t) => {
    const { sim, ctx, admin } = await setUp(t);
    sim.org.clock.advance(LAG + 60_000);
    await runBackupPass(ctx, { objects: ['Account'] });
    const [slow, fast] = liveIds(sim, 'Account', 2);
    // The slow change is stamped now but only visible 200 s later; a fast one a few seconds after moves the cursor past it.
    await admin('mutate', {
      object: 'Account',
      ops: [{ op: 'update', ids: [slow], set: { Description: 'late commit' } }],
      commitDelayMs: 200_000,
    });
    sim.org.clock.advance(5_000);
    await admin('mutate', {
      object: 'Account',
      ops: [{ op: 'update', ids: [fast], set: { Description: 'on time' } }],
    });
    sim.org.clock.advance(LAG + 10_000);
    await runBackupPass(ctx, { objects: ['Account'] });
    assert.equal(
      (await recordHistory(ctx.store, sim.orgId, 'Account', fast!))[0]?.fields.Description,
      'on time',
    );
    assert.notEqual(
      (await recordHistory(ctx.store, sim.orgId, 'Account', slow!))[0]?.fields.Description,
      'late commit',
      'not visible yet',
    );

    sim.org.clock.advance(200_000);
    await runBackupPass(ctx, { objects: ['Account'] });
    assert.equal(
      (await recordHistory(ctx.store, sim.orgId, 'Account', slow!))[0]?.fields.Description,
      'late commit',
    );
    await assertNoGaps(ctx, sim, ['Account']);
  });

  for (const [label, offsetMs] of [
    ['ahead of', 3 * 3600_000],
    ['behind', -3 * 3600_000],
  ] as const) {
    test(`an org clock ${label} this host's: windows follow the org's clock`, async (t) => {
      const { sim, ctx, admin } = await setUp(t, {}, (s) => s.org.clock.advance(offsetMs));
      sim.org.clock.advance(LAG + 60_000);
      await runBackupPass(ctx);
      const [id] = liveIds(sim, 'Contact', 1);
      await admin('mutate', {
        object: 'Contact',
        ops: [{ op: 'update', ids: [id], set: { Title: `clock ${label}` } }],
      });
      sim.org.clock.advance(LAG + 5_000);
      await runBackupPass(ctx, { objects: ['Contact'] });
      assert.equal(
        (await recordHistory(ctx.store, sim.orgId, 'Contact', id!))[0]?.fields.Title,
        `clock ${label}`,
      );
      const contact = await getRegistryObject(ctx.store.knex, sim.orgId, 'Contact');
      assert.ok(
        Math.abs(contact!.caughtUpAt!.getTime() - (sim.org.clock.nowMs() - LAG)) < 5_000,
        'caught up to the org’s now − lag',
      );
      await assertNoGaps(ctx, sim);
    });
  }

  test('tokens expiring every few hundred milliseconds mid-run are renewed without losing work', async (t) => {
    const { sim, ctx, admin } = await setUp(t);
    sim.org.clock.advance(LAG + 60_000);
    await admin('sessions', { ttlMs: 400 });
    const pass = await runBackupPass(ctx);
    assert.deepEqual(
      pass.outcomes.filter((o) => !o.ok),
      [],
    );
    await admin('sessions', { ttlMs: 3600_000 });
    await assertNoGaps(ctx, sim);
  });

  test('a storm of 503s and connection resets is ridden out by retries', async (t) => {
    const { sim, ctx, admin } = await setUp(t);
    sim.org.clock.advance(LAG + 60_000);
    await admin('faults', {
      rules: [
        // About one request in four fails; retries with backoff must carry every one through.
        { path: '/query', action: 'status', status: 503, errorCode: 'SERVER_UNAVAILABLE', rate: 0.2 },
        { path: '/query', action: 'reset', rate: 0.05 },
        { path: '/describe', action: 'status', status: 500, errorCode: 'UNKNOWN_EXCEPTION', rate: 0.15 },
      ],
    });
    const pass = await runBackupPass(ctx);
    const { fired } = (await admin('faults', undefined, 'GET')) as { fired: number };
    await admin('faults', undefined, 'DELETE');
    // About 50 queries and 45 describes make a pass of the small org: some 19 faults on average, rarely under 10.
    assert.ok(fired >= 5, `the storm hit the backup (${fired} faults fired)`);
    assert.deepEqual(
      pass.outcomes.filter((o) => !o.ok),
      [],
      'every object backed up despite the faults',
    );
    await assertNoGaps(ctx, sim);
  });

  test('a backup process killed mid-backfill and restarted loses nothing and duplicates nothing', async (t) => {
    // Bulk API reads it (above bulkThreshold) and stores it in batches of 20,000: there is a moment in between.
    const { sim, db, ctx, storageUrl } = await setUp(t, { records: 50_000 });
    sim.org.clock.advance(LAG + 60_000);
    const home = mkdtempSync(path.join(tmpdir(), 'ab-kill-'));
    t.after(() => rmSync(home, { recursive: true, force: true }));
    const env = {
      ...process.env,
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url,
      STORAGE_URL: storageUrl,
      STORAGE_EMULATOR_HOST: gcs.url,
      AUTOBACKUP_HOME: home,
      AUTOBACKUP_MASTER_KEY: TEST_MASTER_KEY.toString('hex'),
    };
    const run = () =>
      spawn(
        path.join(REPO_ROOT, 'bin/autobackup.js'),
        ['backup', '--org', sim.orgId, '--until-caught-up', '--objects', 'Bench__c'],
        { env, stdio: 'ignore' },
      );

    const victim = run();
    // Kill it once part of the backfill is stored.
    for (let i = 0; i < 600; i++) {
      const bench = await getRegistryObject(db.knex, sim.orgId, 'Bench__c');
      if (bench && bench.versions > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // A victim that already ended (it could not start, say) fails the assertions below instead of hanging the file.
    if (victim.exitCode === null && victim.signalCode === null) {
      const exited = new Promise((r) => victim.once('exit', r));
      victim.kill('SIGKILL');
      await exited;
    }
    const partial = (await getRegistryObject(db.knex, sim.orgId, 'Bench__c'))!;
    assert.ok(
      partial.versions > 0 && partial.versions < 50_000,
      `killed mid-backfill (${partial.versions} stored)`,
    );

    const rerun = run();
    const code = await new Promise<number | null>((r) => rerun.once('exit', r));
    assert.equal(code, 0);
    const done = (await getRegistryObject(db.knex, sim.orgId, 'Bench__c'))!;
    assert.equal(done.records, 50_000);
    assert.equal(done.versions, 50_000, 'no version stored twice');
    // The run leased the object; the killed run's stale lease did not block the restart for long.
    await assertNoGaps(ctx, sim, ['Bench__c']);
  });
});
