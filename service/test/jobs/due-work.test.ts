import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DAY_MS,
  dailySlotMs,
  deletesDue,
  dueWork,
  nextDailySlot,
  pollIntervalFor,
} from '../../src/jobs/due-work.js';
import type { ObjectScheduleState, ScheduleSnapshot } from '../../src/store/schedule/schedule-state.js';

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const cadence = {
  lagMs: 120_000,
  pollIntervalMs: 300_000,
  scanIntervalMs: 3600_000,
  maintenanceIntervalMs: 3600_000,
};

function org(orgId: string, schedule: 'daily' | 'continuous', offset = 0) {
  return {
    orgId,
    mode: 'objects_and_files' as const,
    schedule,
    lastScanAt: new Date(NOW + offset - 60_000),
    clockOffsetMs: offset,
    maintainedAt: new Date(NOW - 60_000),
  };
}

function object(orgId: string, name: string, over: Partial<ObjectScheduleState> = {}): ObjectScheduleState {
  return {
    orgId,
    objectKey: 1,
    name,
    backfillCompletedAt: new Date(NOW - DAY_MS),
    caughtUpAt: new Date(NOW - 60_000),
    deletesCheckedUntil: null,
    failures: 0,
    retryAfter: null,
    lastSliceAt: null,
    runningSince: null,
    refreshPending: false,
    newestVersionAt: new Date(NOW - 60_000),
    records: 1,
    ...over,
  };
}

const snapshot = (s: Omit<ScheduleSnapshot, 'now'>): ScheduleSnapshot => ({ now: new Date(NOW), ...s });
const names = (s: ScheduleSnapshot) => dueWork(s, cadence).map((w) => ('object' in w ? w.object : w.kind));

describe('what the scheduler finds due', () => {
  test('continuous: a caught-up object is checked again after the lag and poll interval, by the org clock', () => {
    const recent = object('A', 'Account');
    const stale = object('A', 'Contact', { caughtUpAt: new Date(NOW - 10 * 60_000) });
    assert.deepEqual(names(snapshot({ orgs: [org('A', 'continuous')], objects: [recent, stale] })), [
      'Contact',
    ]);
    // The org's clock is an hour ahead of the database's: both are due.
    assert.deepEqual(
      names(snapshot({ orgs: [org('A', 'continuous', 3600_000)], objects: [recent, stale] })),
      ['Contact', 'Account'],
    );
  });

  test('backfilling objects are due at once; the one that waited longest goes first, across orgs', () => {
    const due = dueWork(
      snapshot({
        orgs: [org('A', 'continuous'), org('B', 'continuous')],
        objects: [
          object('A', 'Account', { backfillCompletedAt: null, lastSliceAt: new Date(NOW - 5_000) }),
          object('B', 'Lead', { backfillCompletedAt: null, lastSliceAt: new Date(NOW - 50_000) }),
          object('A', 'Case', { backfillCompletedAt: null, caughtUpAt: null, lastSliceAt: null }),
        ],
      }),
      cadence,
    );
    assert.deepEqual(
      due.map((w) => ('object' in w ? `${w.orgId}/${w.object}` : w.kind)),
      ['A/Case', 'B/Lead', 'A/Account'],
    );
  });

  test('daily: once per day per object, at a time of day of its own', () => {
    const slot = dailySlotMs('A', 'Account');
    assert.equal(dailySlotMs('A', 'Account'), slot, 'stable');
    assert.notEqual(dailySlotMs('A', 'Contact'), slot, 'objects spread across the day');
    const dayStart = Math.floor(NOW / DAY_MS) * DAY_MS;
    // Last run just before today's slot: due once the slot passes, not before.
    const lastRun = dayStart + slot - 1000;
    assert.equal(nextDailySlot(lastRun, slot), dayStart + slot);
    assert.equal(
      nextDailySlot(dayStart + slot, slot),
      dayStart + slot + DAY_MS,
      'the next one is a day later',
    );
    const caughtUp = new Date(NOW - cadence.lagMs); // ran just now
    const o = object('A', 'Account', { caughtUpAt: caughtUp });
    assert.deepEqual(names(snapshot({ orgs: [org('A', 'daily')], objects: [o] })), []);
    assert.deepEqual(names(snapshot({ orgs: [org('A', 'daily', DAY_MS)], objects: [o] })), ['Account']);
  });

  test('daily: a pass that began on its slot is not due again, though its window ends a little before it', () => {
    const slotAt = Math.floor(NOW / DAY_MS) * DAY_MS + dailySlotMs('A', 'Account');
    // Started 100 ms after the slot, by an org clock read a second behind (whole seconds), cut to the second.
    const windowEnd = Math.floor((slotAt + 100 - 1000 - cadence.lagMs) / 1000) * 1000;
    assert.ok(windowEnd + cadence.lagMs < slotAt, 'its caught-up time reads as before the slot');
    const o = object('A', 'Account', { caughtUpAt: new Date(windowEnd) });
    const tickLater = { orgs: [org('A', 'daily', slotAt + 1000 - NOW)], objects: [o] };
    assert.deepEqual(names(snapshot(tickLater)), [], 'not due again a tick later');
    const nextDay = { orgs: [org('A', 'daily', slotAt + DAY_MS - NOW)], objects: [o] };
    assert.deepEqual(names(snapshot(nextDay)), ['Account'], 'due at the next day’s slot');
  });

  test('a field that became readable is backed up for the stored records at once, not at the next poll or slot', () => {
    // Caught up a minute ago: on either schedule, nothing is due for a while yet.
    const refreshing = object('A', 'Account', { refreshPending: true, lastSliceAt: new Date(NOW - 1000) });
    const quiet = object('A', 'Contact');
    for (const schedule of ['continuous', 'daily'] as const)
      assert.deepEqual(names(snapshot({ orgs: [org('A', schedule)], objects: [refreshing, quiet] })), [
        'Account',
      ]);
    // A failing refresh still waits for its backoff.
    const failing = { ...refreshing, failures: 1, retryAfter: new Date(NOW + 60_000) };
    assert.deepEqual(names(snapshot({ orgs: [org('A', 'continuous')], objects: [failing] })), []);
  });

  test('a failing object waits for its backoff; an org never reached is scanned first', () => {
    const failing = object('A', 'Account', {
      caughtUpAt: new Date(NOW - DAY_MS),
      failures: 2,
      retryAfter: new Date(NOW + 60_000),
    });
    assert.deepEqual(names(snapshot({ orgs: [org('A', 'continuous')], objects: [failing] })), []);
    const unreached = { ...org('B', 'continuous'), clockOffsetMs: null, lastScanAt: null };
    assert.deepEqual(names(snapshot({ orgs: [unreached], objects: [object('B', 'Lead')] })), ['scan']);
  });
});

describe('adaptive polling', () => {
  const MIN = 60_000;
  const changed = (agoMs: number) => new Date(NOW - agoMs);
  const checks = (s: ScheduleSnapshot) =>
    dueWork(s, cadence).flatMap((w) =>
      w.kind === 'object' ? [`${w.object}:${w.check ? 'check' : 'slice'}`] : [],
    );

  test('an idle object is asked less often, at least once an hour; a change makes it busy again', () => {
    assert.equal(pollIntervalFor(changed(2 * MIN), NOW, cadence), 5 * MIN);
    assert.equal(pollIntervalFor(changed(30 * MIN), NOW, cadence), 15 * MIN);
    assert.equal(pollIntervalFor(changed(80 * MIN), NOW, cadence), 40 * MIN);
    assert.equal(pollIntervalFor(changed(30 * DAY_MS), NOW, cadence), 60 * MIN);
    assert.equal(pollIntervalFor(null, NOW, cadence), 60 * MIN, 'never held a record: hourly');
    assert.equal(
      pollIntervalFor(changed(30 * DAY_MS), NOW, { ...cadence, maxPollIntervalMs: 20 * MIN }),
      20 * MIN,
    );

    // Caught up 30 minutes ago: the busy object is due, the long-idle one waits for its hour.
    const caughtUpAt = new Date(NOW - 30 * MIN);
    const busy = object('A', 'Busy__c', { caughtUpAt, newestVersionAt: changed(35 * MIN) });
    const idle = object('A', 'Idle__c', { caughtUpAt, newestVersionAt: changed(10 * DAY_MS) });
    assert.deepEqual(checks(snapshot({ orgs: [org('A', 'continuous')], objects: [busy, idle] })), [
      'Busy__c:check',
    ]);
    const later = {
      ...snapshot({ orgs: [org('A', 'continuous')], objects: [idle] }),
      now: new Date(NOW + 32 * MIN),
    };
    assert.deepEqual(checks(later), ['Idle__c:check'], 'due an hour (plus the lag) after it was caught up');
  });

  test('caught-up objects get change checks; backfills and field refreshes get slices', () => {
    const due = checks(
      snapshot({
        orgs: [org('A', 'continuous')],
        objects: [
          object('A', 'Caught__c', { caughtUpAt: new Date(NOW - 20 * MIN) }),
          object('A', 'Filling__c', { backfillCompletedAt: null, caughtUpAt: null }),
          object('A', 'Refresh__c', { refreshPending: true }),
        ],
      }),
    );
    assert.deepEqual(due.sort(), ['Caught__c:check', 'Filling__c:slice', 'Refresh__c:slice']);
  });

  test('a due check brings along the org’s checks due within a quarter of their interval', () => {
    const idle = (name: string, caughtUpAgo: number) =>
      object('A', name, { caughtUpAt: new Date(NOW - caughtUpAgo), newestVersionAt: changed(10 * DAY_MS) });
    // Hourly objects, due at +0 (with the lag), +10 min, and +20 min.
    const objects = [idle('Due__c', 62 * MIN), idle('Soon__c', 52 * MIN), idle('Later__c', 42 * MIN)];
    assert.deepEqual(checks(snapshot({ orgs: [org('A', 'continuous')], objects })), [
      'Due__c:check',
      'Soon__c:check',
    ]);
    // Nothing due: nothing comes early.
    assert.deepEqual(checks(snapshot({ orgs: [org('A', 'continuous')], objects: objects.slice(1) })), []);
    // Another org's due check does not pull these in.
    const other = object('B', 'Due__c', { caughtUpAt: new Date(NOW - 62 * MIN), newestVersionAt: null });
    assert.deepEqual(
      checks(
        snapshot({
          orgs: [org('A', 'continuous'), org('B', 'continuous')],
          objects: [...objects.slice(1), other],
        }),
      ),
      ['Due__c:check'],
    );
  });

  test('deletes: busy objects every 15 minutes, idle ones hourly, never for an object that held no record', () => {
    const at = (checkedAgo: number, changedAgo: number | null, records = 5) => ({
      records,
      deletesCheckedUntil: new Date(NOW - checkedAgo),
      newestVersionAt: changedAgo === null ? null : changed(changedAgo),
    });
    assert.equal(deletesDue(at(16 * MIN, 3 * MIN), NOW, cadence), true, 'busy, 16 minutes');
    assert.equal(deletesDue(at(14 * MIN, 3 * MIN), NOW, cadence), false, 'busy, 14 minutes');
    assert.equal(deletesDue(at(50 * MIN, 5 * DAY_MS), NOW, cadence), false, 'idle, 50 minutes');
    assert.equal(deletesDue(at(50 * MIN, 5 * DAY_MS), NOW, cadence, 15 * MIN), true, 'packed ahead of time');
    assert.equal(deletesDue(at(61 * MIN, 5 * DAY_MS), NOW, cadence), true, 'idle, an hour');
    assert.equal(deletesDue(at(5 * DAY_MS, null, 0), NOW, cadence), false, 'never held a record');
    assert.equal(
      deletesDue({ records: 3, deletesCheckedUntil: null, newestVersionAt: null }, NOW, cadence),
      true,
    );
  });
});
