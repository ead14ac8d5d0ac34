/**
 * The scheduler's batched change checks end to end (simulator, embedded PostgreSQL, pg-boss, the real tick): once
 * everything is backed up, idle objects are asked in a few /composite calls instead of a slice each, and a change
 * made to one of them while the org is idle is backed up within the hour the continuous schedule promises.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import { recordHistory } from '../../src/store/versions/version-reader.js';
import { startSchedulerStack, waitFor, type SchedulerStack } from '../support/scheduler-fixture.js';

const MIN = 60_000;
const CUSTOM = Array.from({ length: 30 }, (_, i) => `Quiet${String(i).padStart(2, '0')}__c`);

let stack: SchedulerStack;

before(async () => {
  stack = await startSchedulerStack({
    async prepare(sim) {
      for (const object of CUSTOM)
        await simAdmin(sim, 'POST', 'schema', { object, fields: [{ name: 'Note__c', type: 'string' }] });
      // The org's data is old when the backup starts: its objects are idle.
      await simAdmin(sim, 'POST', 'clock', { advanceMs: 24 * 3600_000 });
    },
  });
  await stack.startScheduler({ clockProbeMs: 200 });
});

after(() => stack?.close());

describe('batched change checks in the scheduler', () => {
  test('idle objects are checked in a few composite calls; a change is backed up within the hour', async () => {
    const { sim } = stack;
    const objects = await stack.everyObjectCaughtUp({ moreThan: CUSTOM.length });
    await stack.ticksWorkedOff();

    // An idle hour: every object is checked once, through composite calls.
    const mark = sim.context.requests.list(0).next;
    await stack.moveClock(62 * MIN);
    await waitFor('every object checked', async () => {
      const registry = await stack.registry();
      const moved = registry.filter((o) =>
        objects.some((x) => x.name === o.name && o.caughtUpAt! > x.caughtUpAt!),
      );
      return moved.length >= objects.length - 1 ? true : undefined; // ContentDocumentLink is sliced
    });
    await stack.ticksWorkedOff();
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
    const [id] = await stack.createRecords(CUSTOM[7]!, [{ Name: 'while idle' }]);
    // The object never held a record: it is asked hourly. Its check falls due within the hour (and the lag).
    let minutes = 0;
    const held = async () => (await recordHistory(stack.store, sim.orgId, CUSTOM[7]!, id!)).length > 0;
    for (const step of [20, 20, 20, 5]) {
      if (await held()) break;
      await stack.moveClock(step * MIN);
      minutes += step;
      // The scheduler has seen the new time, and what it made due is worked off.
      await stack.clockSeen();
      await stack.ticksWorkedOff(2);
    }
    assert.ok(await held(), `backed up within ${minutes} minutes of the change`);
  });
});
