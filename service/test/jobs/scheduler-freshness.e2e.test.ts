/**
 * What an admin sees while `serve` runs, with two replicas on one database: the dashboard's API usage stays fresh
 * without a write per slice, every replica's /metrics follows the database whichever replica acts on the ticks,
 * and a field that becomes readable reaches the records stored before without waiting for the next poll.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../../test/sf-sim/src/index.js';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import { loadConfig } from '../../src/config.js';
import { BackupScheduler, type SchedulerOptions } from '../../src/jobs/backup-scheduler.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics, type Metrics } from '../../src/metrics.js';
import { FsBlobStore } from '../../src/store/blob/fs-blob-store.js';
import { setOrgEnabled } from '../../src/store/orgs/org-repository.js';
import { listRegistry } from '../../src/store/registry/object-registry.js';
import { recordHistory } from '../../src/store/versions/version-reader.js';
import { registerSimOrg, TEST_MASTER_KEY } from '../support/engine-fixture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

const logger = createLogger('silent');
const CONTACT_RECORD_MS = 2000;
let sim: Simulator;
let db: TestDatabase;
let home: string;
/** Acts on the ticks (every second). */
let acting: { scheduler: BackupScheduler; metrics: Metrics };
/** Its cron fires twice a minute: it seldom acts on a tick while the tests run. */
let other: { scheduler: BackupScheduler; metrics: Metrics };

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

async function allCaughtUp(): Promise<true | undefined> {
  const registry = await listRegistry(db.knex, sim.orgId);
  const active = registry.filter((o) => o.support === 'supported' && o.access === 'available');
  return active.length > 10 && active.every((o) => o.backfillCompletedAt && o.caughtUpAt && !o.fieldRefresh)
    ? true
    : undefined;
}

async function gauge(metrics: Metrics, name: 'lagSeconds' | 'apiUsed'): Promise<number | undefined> {
  return (await metrics[name].get()).values.find((v) => v.labels.org === sim.orgId)?.value;
}

async function slicesRun(metrics: Metrics): Promise<number> {
  return (await metrics.slices.get()).values
    .filter((v) => v.labels.kind === 'object' && v.labels.outcome === 'ok')
    .reduce((n, v) => n + v.value, 0);
}

async function apiUsageRows(): Promise<Array<{ at: Date; used: number }>> {
  return db.knex('api_usage').where({ org_id: sim.orgId }).orderBy('at').select('at', 'used');
}

before(async () => {
  sim = await startSimulator({ seed: 'small' });
  sim.org.clock.advance(5 * 60_000); // the seeded history falls outside the lag window
  // Hidden from the integration user until the field refresh test grants it.
  await admin('permissions', { object: 'Account', fields: { Phone: false } });
  db = await createTestDatabase();
  home = mkdtempSync(path.join(tmpdir(), 'ab-freshness-'));
  await registerSimOrg(sim, db.knex);
  await setOrgEnabled(db.knex, sim.orgId);
  const config = loadConfig({
    AUTOBACKUP_HOME: home,
    AUTOBACKUP_MASTER_KEY: TEST_MASTER_KEY.toString('hex'),
    DATABASE_URL: db.url,
  });
  const replica = async (options: Partial<SchedulerOptions>) => {
    const metrics = createMetrics({ processMetrics: false });
    const scheduler = new BackupScheduler(
      { config, knex: db.knex, databaseUrl: db.url, logger, metrics },
      {
        workers: 2,
        perOrg: 4,
        tickSeconds: 1,
        clockProbeMs: 500,
        stopTimeoutMs: 30_000,
        contactRecordMs: CONTACT_RECORD_MS,
        gaugeRefreshMs: 500,
        // Small pages and slices: many slices per object; a schema scan every few seconds of org time.
        engine: { restSliceSize: 20, bulkThreshold: 1_000_000, bulkPollIntervalMs: 20, scanIntervalMs: 3000 },
        ...options,
      },
    );
    await scheduler.start();
    return { scheduler, metrics };
  };
  acting = await replica({});
  other = await replica({ tickSeconds: 30 });
});

after(async () => {
  await Promise.all([acting?.scheduler.stop(), other?.scheduler.stop()]);
  await sim?.close();
  await db?.destroy();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('while serve runs', () => {
  test('the dashboard shows the org’s API usage, recorded at most once per interval however many slices run', async () => {
    const started = Date.now();
    await waitFor('every object caught up', allCaughtUp);
    const elapsedMs = Date.now() - started;
    const slices = (await slicesRun(acting.metrics)) + (await slicesRun(other.metrics));
    const rows = await apiUsageRows();
    assert.ok(rows.length >= 1, 'recorded');
    assert.ok(
      rows.length <= Math.ceil(elapsedMs / CONTACT_RECORD_MS) + 1,
      `${rows.length} records in ${elapsedMs} ms (${slices} slices)`,
    );
    assert.ok(slices > 2 * rows.length, `${slices} slices, ${rows.length} records`);
    for (let i = 1; i < rows.length; i++)
      assert.ok(
        rows[i]!.at.getTime() - rows[i - 1]!.at.getTime() >= CONTACT_RECORD_MS,
        'spaced by the interval',
      );

    // Later work reports the usage again: the dashboard's figure moves on.
    const last = rows.at(-1)!;
    await admin('clock', { advanceMs: 3600_000 });
    const fresher = await waitFor('a later usage record', async () => {
      const newest = (await apiUsageRows()).at(-1)!;
      return newest.at > last.at ? newest : undefined;
    });
    assert.ok(fresher.used > last.used, `${fresher.used} > ${last.used}`);
    await waitFor('every object caught up again', allCaughtUp);
  });

  test('a field that becomes readable reaches the records stored before without waiting for the next poll', async () => {
    const phones = new Map<string, string>();
    for (const v of sim.org.truth('Account'))
      if (!v.IsDeleted && !v.purged && typeof v.fields.Phone === 'string') phones.set(v.Id, v.fields.Phone);
    assert.ok(phones.size >= 3, `accounts with a phone (${phones.size})`);
    const [id, phone] = [...phones][phones.size - 1]!;
    const store = { knex: db.knex, blobs: new FsBlobStore(path.join(home, 'bucket')) };
    assert.equal((await recordHistory(store, sim.orgId, 'Account', id))[0]!.fields.Phone, undefined);

    // The org's clock stays put: the poll interval (5 minutes after the caught-up time) does not come round.
    await admin('permissions', { object: 'Account', fields: { Phone: true } });
    await waitFor(
      'the phone in the backup',
      async () =>
        (await recordHistory(store, sim.orgId, 'Account', id))[0]!.fields.Phone === phone ? true : undefined,
      60_000,
    );
  });

  test('every replica’s lag gauge follows the database, not only the one acting on the ticks', async () => {
    // The hour the first test moved the clock on is worked off (every object was due).
    const before = await waitFor('a lag of minutes on the other replica', async () => {
      const lag = await gauge(other.metrics, 'lagSeconds');
      return lag !== undefined && lag < 250 ? lag : undefined;
    });
    // Less than lag + poll interval: nothing falls due, the lag only grows with the org's clock.
    await admin('clock', { advanceMs: 200_000 });
    const after = await waitFor(
      'the lag to grow on the other replica',
      async () => {
        const lag = await gauge(other.metrics, 'lagSeconds');
        return lag !== undefined && lag >= before + 190 ? lag : undefined;
      },
      15_000,
    );
    assert.ok(after < before + 260, `lag ${after} s`);
    assert.ok((await gauge(other.metrics, 'apiUsed'))! > 0, 'API usage from the database too');
  });
});
