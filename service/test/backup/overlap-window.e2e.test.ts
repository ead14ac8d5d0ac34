/**
 * The overlap re-read when the overlap window holds more changes than one REST slice (issue #14): a transaction
 * that commits late, stamped inside the window behind more than a slice of other changes, must still be read —
 * the whole window is paged through before the pass continues from the stored cursor. Also: a pass stopped in the
 * middle of the window loses nothing, and re-read versions are not counted as new.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../../test/sf-sim/src/index.js';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import { runBackupPass } from '../../src/backup/backup-pass.js';
import { DEFAULT_ENGINE_OPTIONS, type EngineContext } from '../../src/backup/engine-context.js';
import { FsBlobStore } from '../../src/store/blob/fs-blob-store.js';
import { getRegistryObject } from '../../src/store/registry/object-registry.js';
import { recordHistory } from '../../src/store/versions/version-reader.js';
import { engineFor, registerSimOrg } from '../support/engine-fixture.js';
import { createTestDatabase } from '../support/test-db.js';
import { truthMismatches } from '../support/truth-check.js';

const LAG = DEFAULT_ENGINE_OPTIONS.lagMs;
const OBJECT = 'Busy__c';
/** Far smaller than the window's changes, so the window takes several slices. */
const SLICE = 50;
const BUSY = 80;
/** The slow transaction becomes visible this long after its SystemModstamp: after the first pass that sees the
 * busy second, well inside the overlap (5 min) of the pass after it. */
const COMMIT_DELAY_MS = 200_000;

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface Scene {
  sim: Simulator;
  ctx: EngineContext;
  admin(pathname: string, body?: unknown): Promise<unknown>;
  late: string;
  fast: string;
}

/**
 * An object backed up until caught up; then BUSY updates in one second, a slow transaction a few seconds later
 * (stamped then, visible COMMIT_DELAY_MS later) and a fast change after it; a pass that stores the busy second
 * and the fast change, moving the cursor past the slow one while it is still invisible.
 */
async function busyWindowWithLateCommit(): Promise<Scene> {
  const sim = await startSimulator({ seed: 'small' });
  const db = await createTestDatabase();
  const bucketDir = mkdtempSync(path.join(tmpdir(), 'ab-overlap-'));
  cleanups.push(async () => {
    await sim.close();
    await db.destroy();
    rmSync(bucketDir, { recursive: true, force: true });
  });
  await registerSimOrg(sim, db.knex);
  const ctx = await engineFor(sim, db.knex, new FsBlobStore(bucketDir), { restSliceSize: SLICE });
  const admin = (pathname: string, body?: unknown) => simAdmin(sim, 'POST', pathname, body);
  const clock = (advanceMs: number) => admin('clock', { advanceMs });

  await admin('schema', { object: OBJECT, label: 'Busy', fields: [{ name: 'Note__c', type: 'string' }] });
  const records = Array.from({ length: BUSY + 2 }, (_, i) => ({ Name: `Busy ${i}`, Note__c: 'created' }));
  const { created } = (await admin('mutate', { object: OBJECT, ops: [{ op: 'create', records }] })) as {
    created: string[];
  };
  const busy = created.slice(0, BUSY);
  const [late, fast] = created.slice(BUSY) as [string, string];
  await clock(LAG + 60_000);
  const backfill = await runBackupPass(ctx, { objects: [OBJECT] });
  assert.equal(backfill.outcomes[0]?.written, BUSY + 2);
  assert.ok((await getRegistryObject(db.knex, sim.orgId, OBJECT))?.backfillCompletedAt, 'caught up');

  await admin('mutate', {
    object: OBJECT,
    ops: [{ op: 'update', ids: busy, set: { Note__c: 'busy second' } }],
    sameSecond: true,
  });
  await clock(5_000);
  await admin('mutate', {
    object: OBJECT,
    ops: [{ op: 'update', ids: [late], set: { Note__c: 'late commit' } }],
    commitDelayMs: COMMIT_DELAY_MS,
  });
  await clock(5_000);
  await admin('mutate', {
    object: OBJECT,
    ops: [{ op: 'update', ids: [fast], set: { Note__c: 'on time' } }],
  });
  // Past the lag of the fast change, but the slow one is not visible yet.
  await clock(LAG + 10_000);
  const pass = await runBackupPass(ctx, { objects: [OBJECT] });
  assert.deepEqual(
    pass.outcomes.map((o) => [o.ok, o.written]),
    [[true, BUSY + 1]],
    JSON.stringify(pass.outcomes),
  );
  assert.equal(await noteOf({ sim, ctx }, fast), 'on time');
  assert.equal(await noteOf({ sim, ctx }, late), 'created', 'the slow transaction is not visible yet');
  const cursor = (await getRegistryObject(db.knex, sim.orgId, OBJECT))?.cursor;
  assert.equal(cursor?.id, fast, 'the cursor is past the slow transaction');
  await clock(COMMIT_DELAY_MS);
  return { sim, ctx, admin, late, fast };
}

async function noteOf(scene: Pick<Scene, 'sim' | 'ctx'>, id: string): Promise<unknown> {
  return (await recordHistory(scene.ctx.store, scene.sim.orgId, OBJECT, id))[0]?.fields.Note__c;
}

const cursorOf = async (scene: Scene) =>
  (await getRegistryObject(scene.ctx.store.knex, scene.sim.orgId, OBJECT))?.cursor;

describe('late commits behind a busy overlap window', () => {
  test('a late commit behind more than a slice of changes in the overlap is backed up', async () => {
    const scene = await busyWindowWithLateCommit();
    const { sim, ctx } = scene;
    const cursorBefore = await cursorOf(scene);
    const second = await runBackupPass(ctx, { objects: [OBJECT] });
    await scene.admin('clock', { advanceMs: 30_000 });
    const third = await runBackupPass(ctx, { objects: [OBJECT] });
    assert.deepEqual(
      await truthMismatches(sim, ctx.store, [OBJECT], ctx.options.lagMs),
      [],
      'the backup matches the ground truth two passes after the late commit became visible',
    );
    assert.equal(await noteOf(scene, scene.late), 'late commit');
    // The window's other versions were stored already: only the late one is new, in the pass that first saw it.
    assert.deepEqual(
      [second, third].map((p) => p.outcomes.map((o) => [o.ok, o.written, o.complete])),
      [[[true, 1, true]], [[true, 0, true]]],
    );
    assert.deepEqual(await cursorOf(scene), cursorBefore, 'the cursor did not move (backwards or forwards)');
  });

  test('a pass stopped in the middle of the overlap window loses nothing', async () => {
    const scene = await busyWindowWithLateCommit();
    const { sim, ctx } = scene;
    const cursorBefore = await cursorOf(scene);
    // Stopped once the first slice of the window is read: that slice is stored, the rest waits for the next pass.
    const stop = new AbortController();
    const stopped = await runBackupPass(
      { ...ctx, signal: stop.signal },
      { objects: [OBJECT], progress: { objectProgress: () => stop.abort() } },
    );
    assert.deepEqual(
      stopped.outcomes.map((o) => [o.ok, o.written, o.complete]),
      [[true, 0, false]],
      JSON.stringify(stopped.outcomes),
    );
    assert.deepEqual(await cursorOf(scene), cursorBefore, 'the cursor did not move backwards');
    assert.equal(await noteOf(scene, scene.late), 'created', 'not read before the stop');

    const resumed = await runBackupPass(ctx, { objects: [OBJECT] });
    assert.deepEqual(
      resumed.outcomes.map((o) => [o.ok, o.written, o.complete]),
      [[true, 1, true]],
    );
    assert.equal(await noteOf(scene, scene.late), 'late commit');
    assert.deepEqual(await truthMismatches(sim, ctx.store, [OBJECT], ctx.options.lagMs), []);
    assert.deepEqual(await cursorOf(scene), cursorBefore);
  });
});
