/**
 * The scheduler end to end: the org simulator, embedded PostgreSQL, a filesystem bucket and the real pg-boss
 * queues and node-cron tick. What falls due follows the org's own clock, which the tests move.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { updateOrgSettings } from '../../src/store/orgs/org-repository.js';
import { recordHistory } from '../../src/store/versions/version-reader.js';
import { startSchedulerStack, waitFor, type SchedulerStack } from '../support/scheduler-fixture.js';

const HOUR = 3600_000;
let stack: SchedulerStack;

async function createAccount(name: string): Promise<string> {
  return (await stack.createRecords('Account', [{ Name: name }]))[0]!;
}

const captured = async (id: string) =>
  (await recordHistory(stack.store, stack.orgId, 'Account', id)).length > 0 ? true : undefined;

before(async () => {
  stack = await startSchedulerStack();
  await stack.startScheduler({ engine: { restSliceSize: 250 } });
});

after(() => stack?.close());

describe('the backup scheduler', () => {
  test('backs up every object by itself, then catches a new record within the simulated hour', async () => {
    const objects = await stack.everyObjectCaughtUp({ moreThan: 0 });
    assert.ok(objects.length > 10, 'the scan found the org’s objects');

    const id = await createAccount('Scheduled Newcomer');
    // Nothing is due until the org's clock passes the lag and the poll interval: ticks come and go, nothing runs.
    await stack.ticksWorkedOff(3);
    assert.equal(await captured(id), undefined, 'not read before it is due');
    await stack.moveClock(HOUR);
    await waitFor('the new record in the backup', () => captured(id), 60_000);
  });

  test('a paused org is left alone, and resumes where it left off', async () => {
    await updateOrgSettings(stack.db.knex, stack.orgId, { mode: 'paused' });
    const id = await createAccount('While Paused');
    await stack.moveClock(HOUR);
    // Everything is due by the org's clock: ticks that see the time moved on still queue nothing.
    await stack.ticksWorkedOff(5);
    assert.equal(await captured(id), undefined, 'nothing backed up while paused');

    await updateOrgSettings(stack.db.knex, stack.orgId, { mode: 'objects_and_files' });
    await waitFor('the record after resuming', () => captured(id), 60_000);
  });
});
