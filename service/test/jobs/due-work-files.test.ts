/** File bodies make an idle file object due in Objects and Files mode only (backup/file-backup.ts). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DAY_MS, dueWork } from '../../src/jobs/due-work.js';
import type { ObjectScheduleState, ScheduleSnapshot } from '../../src/store/schedule/schedule-state.js';

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const cadence = {
  lagMs: 120_000,
  pollIntervalMs: 300_000,
  scanIntervalMs: 3600_000,
  maintenanceIntervalMs: 3600_000,
};

function snapshot(mode: 'objects_and_files' | 'objects_only', filesDueAt: Date | null): ScheduleSnapshot {
  const object = {
    orgId: 'A',
    objectKey: 1,
    name: 'ContentVersion',
    backfillCompletedAt: new Date(NOW - DAY_MS),
    // Caught up a moment ago, with records changing often: not due for its records.
    caughtUpAt: new Date(NOW - 10_000),
    newestVersionAt: new Date(NOW - 10_000),
    records: 10,
    deletesCheckedUntil: new Date(NOW - 10_000),
    failures: 0,
    retryAfter: null,
    lastSliceAt: new Date(NOW - 10_000),
    runningSince: null,
    refreshPending: false,
    filesDueAt,
  } as ObjectScheduleState;
  return {
    now: new Date(NOW),
    orgs: [
      {
        orgId: 'A',
        mode,
        schedule: 'continuous',
        lastScanAt: new Date(NOW - 60_000),
        clockOffsetMs: 0,
        maintainedAt: new Date(NOW - 60_000),
      },
    ],
    objects: [object],
  };
}

const dueObjects = (s: ScheduleSnapshot) => dueWork(s, cadence).filter((w) => w.kind === 'object');

describe('file bodies in what the scheduler finds due', () => {
  test('pending bodies make a caught-up file object due in Objects and Files mode', () => {
    assert.deepEqual(dueObjects(snapshot('objects_and_files', null)), [], 'nothing pending: not due');
    const due = dueObjects(snapshot('objects_and_files', new Date(NOW - 1000)));
    assert.equal(due.length, 1);
    assert.equal(due[0]!.waitingSince, NOW - 1000);
  });

  test('a failed body in its backoff, or files paused, leaves it waiting', () => {
    assert.deepEqual(dueObjects(snapshot('objects_and_files', new Date(NOW + 60_000))), []);
    assert.deepEqual(dueObjects(snapshot('objects_only', new Date(NOW - 1000))), []);
  });
});
