/**
 * What an admin sees while `serve` runs, with two replicas on one database: the dashboard's API usage stays fresh
 * without a write per slice, every replica's /metrics follows the database whichever replica acts on the ticks,
 * and a field that becomes readable reaches the records stored before without waiting for the next poll.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import type { SchedulerOptions } from '../../src/jobs/backup-scheduler.js';
import type { Metrics } from '../../src/metrics.js';
import { recordHistory } from '../../src/store/versions/version-reader.js';
import {
  startSchedulerStack,
  waitFor,
  type RunningScheduler,
  type SchedulerStack,
} from '../support/scheduler-fixture.js';

const CONTACT_RECORD_MS = 2000;
let stack: SchedulerStack;
/** Acts on the ticks (every second). */
let acting: RunningScheduler;
/** Its cron fires twice a minute: it seldom acts on a tick while the tests run. */
let other: RunningScheduler;

const allCaughtUp = () => stack.everyObjectCaughtUp({ also: (o) => !o.fieldRefresh });

async function gauge(metrics: Metrics, name: 'lagSeconds' | 'apiUsed'): Promise<number | undefined> {
  return (await metrics[name].get()).values.find((v) => v.labels.org === stack.orgId)?.value;
}

async function slicesRun(metrics: Metrics): Promise<number> {
  return (await metrics.slices.get()).values
    .filter((v) => v.labels.kind === 'object' && v.labels.outcome === 'ok')
    .reduce((n, v) => n + v.value, 0);
}

async function apiUsageRows(): Promise<Array<{ at: Date; used: number }>> {
  return stack.db.knex('api_usage').where({ org_id: stack.orgId }).orderBy('at').select('at', 'used');
}

before(async () => {
  stack = await startSchedulerStack({
    async prepare(sim) {
      sim.org.clock.advance(5 * 60_000); // the seeded history falls outside the lag window
      // Hidden from the integration user until the field refresh test grants it.
      await simAdmin(sim, 'POST', 'permissions', { object: 'Account', fields: { Phone: false } });
    },
  });
  const replica = (options: Partial<SchedulerOptions>) =>
    stack.startScheduler({
      workers: 2,
      contactRecordMs: CONTACT_RECORD_MS,
      gaugeRefreshMs: 500,
      // Small pages and slices: many slices per object; a schema scan every few seconds of org time.
      engine: { restSliceSize: 20, scanIntervalMs: 3000 },
      ...options,
    });
  acting = await replica({});
  other = await replica({ tickSeconds: 30 });
});

after(() => stack?.close());

describe('while serve runs', () => {
  test('the dashboard shows the org’s API usage, recorded at most once per interval however many slices run', async () => {
    const started = Date.now();
    await allCaughtUp();
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
    await stack.moveClock(3600_000);
    const fresher = await waitFor('a later usage record', async () => {
      const newest = (await apiUsageRows()).at(-1)!;
      return newest.at > last.at ? newest : undefined;
    });
    assert.ok(fresher.used > last.used, `${fresher.used} > ${last.used}`);
    await allCaughtUp();
  });

  test('a field that becomes readable reaches the records stored before without waiting for the next poll', async () => {
    const phones = new Map<string, string>();
    for (const v of stack.sim.org.truth('Account'))
      if (!v.IsDeleted && !v.purged && typeof v.fields.Phone === 'string') phones.set(v.Id, v.fields.Phone);
    assert.ok(phones.size >= 3, `accounts with a phone (${phones.size})`);
    const [id, phone] = [...phones][phones.size - 1]!;
    assert.equal((await recordHistory(stack.store, stack.orgId, 'Account', id))[0]!.fields.Phone, undefined);

    // The org's clock stays put: the poll interval (5 minutes after the caught-up time) does not come round.
    await stack.admin('permissions', { object: 'Account', fields: { Phone: true } });
    await waitFor(
      'the phone in the backup',
      async () =>
        (await recordHistory(stack.store, stack.orgId, 'Account', id))[0]!.fields.Phone === phone
          ? true
          : undefined,
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
    await stack.moveClock(200_000);
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
