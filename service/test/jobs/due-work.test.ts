import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DAY_MS, dailySlotMs, dueWork, nextDailySlot } from '../../src/jobs/due-work.js';
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
