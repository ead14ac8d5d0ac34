/**
 * Batched change checks against the simulator: many caught-up objects are asked in few /composite calls whether
 * anything changed; idle ones move forward, changed ones (also a late commit inside the overlap) are handed to a
 * slice, and a failing subrequest falls back to a slice for that object only. Objects checked through a query
 * (not replicateable, or stamped by CreatedDate) are part of the same calls, at most 5 queries per call. Schema
 * scans describe in composite calls too, and cost one call when nothing changed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../../test/sf-sim/src/index.js';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import { objectsToBackUp, runBackupPass } from '../../src/backup/backup-pass.js';
import { checkForChanges, planChangeChecks, type ChangeCheckOutcome } from '../../src/backup/change-check.js';
import { scanSchema } from '../../src/backup/schema-scan.js';
import { DEFAULT_ENGINE_OPTIONS, type EngineContext } from '../../src/backup/engine-context.js';
import { backupObject } from '../../src/backup/object-slice.js';
import type { ObjectSupport } from '../../src/backup/object-support.js';
import { probeOrgClock } from '../../src/salesforce/org-clock.js';
import { FsBlobStore } from '../../src/store/blob/fs-blob-store.js';
import { findOrg } from '../../src/store/orgs/org-repository.js';
import {
  claimObjectRun,
  listRegistry,
  releaseObjectRun,
  type RegistryObject,
} from '../../src/store/registry/object-registry.js';
import { recordHistory } from '../../src/store/versions/version-reader.js';
import { engineFor, registerSimOrg } from '../support/engine-fixture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

const LAG = DEFAULT_ENGINE_OPTIONS.lagMs;
const MIN = 60_000;
const CUSTOM = Array.from({ length: 40 }, (_, i) => `Idle${String(i).padStart(2, '0')}__c`);

let sim: Simulator;
let db: TestDatabase;
let bucketDir: string;
let ctx: EngineContext;

const admin = (pathname: string, body?: unknown) => simAdmin(sim, 'POST', pathname, body);
const clock = (advanceMs: number) => admin('clock', { advanceMs });

async function caughtUpObjects(): Promise<RegistryObject[]> {
  return objectsToBackUp(await listRegistry(db.knex, sim.orgId)).filter(
    (o) => o.backfillCompletedAt && o.caughtUpAt && !o.fieldRefresh,
  );
}

/** One check of every caught-up object, with the org's clock read afresh (as the scheduler does). */
async function check(): Promise<{
  outcome: ChangeCheckOutcome;
  requests: Array<{ path: string; kind: string }>;
}> {
  ctx.session.clock.observe((await probeOrgClock(sim.url)).toUTCString());
  const mark = sim.context.requests.list(0).next;
  const outcome = await checkForChanges(ctx, await caughtUpObjects());
  return { outcome, requests: sim.context.requests.list(mark).requests };
}

const sliceFor = (o: ChangeCheckOutcome, object: string) => o.slices.find((s) => s.object === object)?.reason;
const supportOf = (o: RegistryObject) => o.supportDetail as Extract<ObjectSupport, { supported: true }>;

before(async () => {
  sim = await startSimulator({ seed: 'small' });
  db = await createTestDatabase();
  bucketDir = mkdtempSync(path.join(tmpdir(), 'ab-check-'));
  for (const object of CUSTOM)
    await admin('schema', { object, fields: [{ name: 'Note__c', type: 'string' }] });
  await admin('mutate', { object: CUSTOM[0], ops: [{ op: 'create', records: [{ Name: 'first' }] }] });
  // The backup's overlap re-reads changes from 5 minutes before it was caught up: start past it.
  await clock(10 * MIN);
  await registerSimOrg(sim, db.knex);
  ctx = await engineFor(sim, db.knex, new FsBlobStore(bucketDir), { bulkThreshold: 1_000_000 });
  await clock(LAG + MIN);
  const pass = await runBackupPass(ctx);
  assert.deepEqual(
    pass.outcomes.filter((o) => !o.ok),
    [],
  );
});

after(async () => {
  await sim?.close();
  await db?.destroy();
  if (bucketDir) rmSync(bucketDir, { recursive: true, force: true });
});

describe('cheap schema scans', () => {
  test('describes travel in composite calls; an unchanged schema costs one call', async () => {
    await admin('schema', { object: CUSTOM[5], fields: [{ name: 'Added__c', type: 'string' }] });
    await clock(10 * MIN);
    ctx.session.clock.observe((await probeOrgClock(sim.url)).toUTCString());
    let mark = sim.context.requests.list(0).next;
    const full = await scanSchema(ctx);
    const fullCalls = sim.context.requests.list(mark).requests;
    assert.ok(full.complete);
    // Describes share composite calls; one asked alone (the last of a scan) goes as a describe call.
    const alone = fullCalls.filter((r) => r.kind === 'describe').length;
    const composite = fullCalls.filter((r) => r.path.endsWith('/composite')).length;
    assert.ok(
      composite + alone <= Math.ceil(full.objects / 25) + 3,
      `${composite} composite and ${alone} describe calls for ${full.objects} objects`,
    );
    const added = (await listRegistry(db.knex, sim.orgId)).find((o) => o.name === CUSTOM[5])!;
    assert.ok(
      added.fields?.some((f) => f.name === 'Added__c'),
      'the new field was seen',
    );

    await clock(10 * MIN);
    ctx.session.clock.observe((await probeOrgClock(sim.url)).toUTCString());
    mark = sim.context.requests.list(0).next;
    // As every scheduled scan does, with the org's settings read afresh (its last scan time).
    const unchanged = await scanSchema({ ...ctx, org: (await findOrg(db.knex, sim.orgId))! });
    assert.ok(unchanged.complete);
    assert.deepEqual(
      sim.context.requests.list(mark).requests.map((r) => r.path.replace(/^\/services\/data\/v[\d.]+/, '')),
      ['/sobjects/'],
      'describeGlobal answered 304 and nothing else was asked',
    );
  });
});

describe('batched change checks', () => {
  test('idle objects are checked in few composite calls and move forward', async () => {
    await clock(20 * MIN);
    const objects = await caughtUpObjects();
    const queried = objects.filter(
      (o) => supportOf(o).deletes !== 'get-deleted' || supportOf(o).cursorField !== 'SystemModstamp',
    );
    assert.ok(objects.length > 60, `objects checked (${objects.length})`);
    assert.ok(
      queried.length > 5,
      `objects that need a query (${queried.length}): more than one call's worth`,
    );
    const before = new Map(objects.map((o) => [o.name, o.caughtUpAt!.getTime()]));

    const { outcome, requests } = await check();
    // ContentDocumentLink is read through its parents' Ids: no check can ask it, it gets a slice.
    assert.deepEqual(
      outcome.slices,
      [{ object: 'ContentDocumentLink', reason: 'not-checkable' }],
      'nothing changed',
    );
    const calls = requests;
    assert.ok(
      calls.every((r) => r.path.endsWith('/composite')),
      `only composite calls: ${calls.map((r) => r.path).join(', ')}`,
    );
    // 25 subrequests and 5 queries per call at most: the fewest calls the limits allow.
    const fewest = Math.max(Math.ceil(objects.length / 25), Math.ceil(queried.length / 5));
    assert.ok(calls.length <= fewest + 1, `${calls.length} composite calls for ${objects.length} objects`);
    assert.equal(outcome.calls, calls.length);

    const after = await caughtUpObjects();
    for (const o of after.filter((x) => outcome.idle.includes(x.name)))
      assert.ok(o.caughtUpAt!.getTime() > before.get(o.name)!, `${o.name} moved forward`);
    assert.ok(outcome.idle.length >= objects.length - 2, 'idle objects moved forward');
  });

  test('a change, and a late commit inside the overlap, are handed to a slice and backed up', async () => {
    await clock(10 * MIN);
    const changed = (await admin('mutate', {
      object: CUSTOM[1],
      ops: [{ op: 'create', records: [{ Name: 'changed' }] }],
    })) as { created: string[] };
    // Stamped now, visible only 4 minutes later: the check past the lag (and past the whole minute getUpdated
    // reads to) runs before it commits.
    const late = (await admin('mutate', {
      object: CUSTOM[2],
      ops: [{ op: 'create', records: [{ Name: 'late' }] }],
      commitDelayMs: 4 * MIN,
    })) as { created: string[] };
    await clock(LAG + 90_000);
    const first = await check();
    assert.equal(sliceFor(first.outcome, CUSTOM[1]!), 'changed');
    assert.equal(sliceFor(first.outcome, CUSTOM[2]!), undefined, 'the late commit is not visible yet');

    await clock(3 * MIN);
    const second = await check();
    assert.equal(sliceFor(second.outcome, CUSTOM[2]!), 'changed', 'the overlap finds the late commit');

    for (const [object, id] of [
      [CUSTOM[1]!, changed.created[0]!],
      [CUSTOM[2]!, late.created[0]!],
    ] as const) {
      const target = (await caughtUpObjects()).find((o) => o.name === object)!;
      const slice = await backupObject(ctx, target, { deletes: 'when-due' });
      assert.equal(slice.ok, true);
      assert.equal((await recordHistory(ctx.store, sim.orgId, object, id)).length, 1, `${object}: backed up`);
    }
  });

  test('a deleted record is found when the delete check is due; a never-used object asks for none', async () => {
    const held = (await caughtUpObjects()).find((o) => o.name === CUSTOM[0])!;
    assert.ok(held.records > 0);
    const [id] = sim.org.truth(CUSTOM[0]!) as unknown as Array<{ Id: string }>;
    await admin('mutate', { object: CUSTOM[0], ops: [{ op: 'delete', ids: [id!.Id], hard: true }] });
    await clock(70 * MIN);
    const { outcome, requests } = await check();
    assert.equal(sliceFor(outcome, CUSTOM[0]!), 'deleted');
    const deletedAsked = requests.filter((r) => r.kind === 'deleted').length;
    assert.equal(deletedAsked, 0, 'getDeleted travels inside the composite calls');
    // Empty custom objects moved their delete check along without asking.
    const empty = (await caughtUpObjects()).find((o) => o.name === CUSTOM[30])!;
    assert.equal(empty.records, 0);
    assert.ok(empty.deletesCheckedUntil && empty.deletesCheckedUntil.getTime() > Date.parse('2000-01-01'));
  });

  test('objects whose records Salesforce never deletes (User, Organization) are asked no getDeleted, yet count as checked', async () => {
    await clock(70 * MIN);
    ctx.session.clock.observe((await probeOrgClock(sim.url)).toUTCString());
    const objects = (await caughtUpObjects()).filter((o) =>
      ['User', 'Organization', 'Account'].includes(o.name),
    );
    assert.equal(objects.length, 3);
    assert.ok(objects.every((o) => o.records > 0));
    const { subs } = planChangeChecks(ctx, objects, { foreground: true });
    const deletedAsked = subs.filter((s) => /\/deleted\//.test(s.path)).map((s) => s.path.split('/')[2]);
    assert.deepEqual(
      deletedAsked,
      ['Account'],
      'getDeleted only for the object whose records can be deleted',
    );
    const outcome = await checkForChanges(ctx, objects, { foreground: true });
    assert.ok(
      outcome.idle.includes('User') && outcome.idle.includes('Organization'),
      JSON.stringify(outcome),
    );
    const user = (await caughtUpObjects()).find((o) => o.name === 'User')!;
    assert.equal(
      user.deletesCheckedUntil?.getTime(),
      user.caughtUpAt?.getTime(),
      'deletes checked with the records',
    );
  });

  test('a failing subrequest sends only its object to a slice', async () => {
    await admin('permissions', { object: CUSTOM[3], readable: false });
    await clock(70 * MIN);
    const { outcome } = await check();
    assert.equal(sliceFor(outcome, CUSTOM[3]!), 'failed');
    assert.ok(outcome.idle.length > 50, 'the others were settled by the same calls');
    await admin('permissions', { object: CUSTOM[3], readable: true });
  });

  test('a check never overrides a slice that moved the object or holds it', async () => {
    await clock(70 * MIN);
    const objects = await caughtUpObjects();
    const target = objects.find((o) => o.name === CUSTOM[4])!;
    // A slice runs between the check's read and its write: it moves the caught-up time itself.
    ctx.session.clock.observe((await probeOrgClock(sim.url)).toUTCString());
    await backupObject(ctx, target, { deletes: 'when-due' });
    const moved = (await caughtUpObjects()).find((o) => o.name === CUSTOM[4])!;
    assert.ok(moved.caughtUpAt! > target.caughtUpAt!, 'the slice moved the caught-up time');
    const outcome = await checkForChanges(ctx, [target]);
    assert.deepEqual(outcome.idle, []);
    assert.deepEqual(outcome.unchanged, [CUSTOM[4]]);
    const after = (await caughtUpObjects()).find((o) => o.name === CUSTOM[4])!;
    assert.equal(
      after.caughtUpAt!.getTime(),
      moved.caughtUpAt!.getTime(),
      'the slice’s caught-up time stands',
    );

    // A slice holds the object's run lease while the check answers: the check leaves it alone.
    await clock(70 * MIN);
    ctx.session.clock.observe((await probeOrgClock(sim.url)).toUTCString());
    assert.equal(await claimObjectRun(db.knex, after.objectKey, 'a-running-slice'), true);
    const held = await checkForChanges(ctx, [after]);
    assert.deepEqual(held.unchanged, [CUSTOM[4]]);
    await releaseObjectRun(db.knex, after.objectKey, 'a-running-slice');
    const released = await checkForChanges(ctx, [after]);
    assert.deepEqual(released.idle, [CUSTOM[4]], 'once the lease is free the check moves it forward');
  });
});
