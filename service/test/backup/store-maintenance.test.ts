import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { BlobStore } from '../../src/store/blob/blob-store.js';
import { MaintenanceSchedule } from '../../src/backup/store-maintenance.js';
import { writeVersions } from '../../src/store/versions/version-writer.js';
import {
  createStoreFixture,
  makeVersions,
  ORG_ID,
  type StoreFixture,
} from '../store/support/store-fixture.js';

describe('bucket maintenance between passes', () => {
  let f: StoreFixture;
  let now = new Date('2024-06-01T10:00:00.000Z');
  before(async () => {
    f = await createStoreFixture({ now: () => now });
  });
  after(async () => {
    await f.close();
  });

  test('runs at most once per interval, merges finished days, and a failure is logged, not thrown', async () => {
    const versions = makeVersions(50, 4);
    for (let i = 0; i < versions.length; i += 20)
      await writeVersions(f.store, ORG_ID, 'Account', versions.slice(i, i + 20));
    now = new Date('2024-06-02T10:00:00.000Z');
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    let clock = 0;
    const schedule = new MaintenanceSchedule(60_000, () => clock);

    const first = await schedule.runIfDue(f.store, ORG_ID, logger);
    assert.deepEqual(first, { adopted: 0, marked: 10, swept: 0, merged: 1, replaced: 10 });
    clock += 30_000;
    assert.equal(await schedule.runIfDue(f.store, ORG_ID, logger), null, 'not due yet');
    clock += 30_000;
    assert.deepEqual(await schedule.runIfDue(f.store, ORG_ID, logger), {
      adopted: 0,
      marked: 0,
      swept: 0,
      merged: 0,
      replaced: 0,
    });

    clock += 60_000;
    const unreachable = Object.create(f.blobs) as BlobStore;
    unreachable.list = () => {
      throw new Error('bucket unreachable');
    };
    assert.equal(await schedule.runIfDue({ ...f.store, blobs: unreachable }, ORG_ID, logger), null);
    const failure = lines.find((l) => l.level === 50);
    assert.equal(failure?.type, 'store-maintenance');
    assert.match(String(failure?.msg), /failed/);
    assert.match(JSON.stringify(failure?.err), /bucket unreachable/);
  });
});
