/**
 * The end-to-end audit of issue #14, made deterministic: after a backup, in one simulated second, 30 Accounts are
 * updated and a new custom field is set on 5 of them by a transaction that commits late; Leads are deleted,
 * undeleted and purged; the integration user loses an object; the clock moves on; the backup runs again — and
 * must match the org's ground truth.
 *
 * What the audit once missed (1 run in 11, under CPU load) was the 5 records' final versions. The cause: a pass
 * that ran between the visible update and the late commit stored the update at second S; the late commit, stamped
 * with the same second S, was read again by the overlap re-read and dropped as a version already held (the index
 * was keyed by SystemModstamp alone). Here the pass in between is not left to timing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../../test/sf-sim/src/index.js';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import { runBackupPass } from '../../src/backup/backup-pass.js';
import { DEFAULT_ENGINE_OPTIONS, type EngineContext } from '../../src/backup/engine-context.js';
import { verifyOrg } from '../../src/backup/verify.js';
import { FsBlobStore } from '../../src/store/blob/fs-blob-store.js';
import { getRegistryObject } from '../../src/store/registry/object-registry.js';
import { recordHistory } from '../../src/store/versions/version-reader.js';
import { engineFor, registerSimOrg } from '../support/engine-fixture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';
import { truthMismatches } from '../support/truth-check.js';

const LAG = DEFAULT_ENGINE_OPTIONS.lagMs;
/** Visible this long after its SystemModstamp: after the next pass past the lag, inside the overlap of the one after. */
const COMMIT_DELAY_MS = 150_000;
const CHECKED = ['Account', 'Contact', 'Lead', 'Opportunity'];

let sim: Simulator;
let db: TestDatabase;
let bucketDir: string;
let ctx: EngineContext;

const admin = (pathname: string, body?: unknown) => simAdmin(sim, 'POST', pathname, body);
const clock = (advanceMs: number) => admin('clock', { advanceMs });

/** Ids of the object's records that are live in the org now. */
function liveIds(object: string): string[] {
  const latest = new Map<string, boolean>();
  for (const v of sim.org.truth(object)) latest.set(v.Id, v.IsDeleted || v.purged);
  return [...latest].filter(([, gone]) => !gone).map(([id]) => id);
}

async function pass(): Promise<void> {
  const result = await runBackupPass(ctx);
  assert.deepEqual(
    result.outcomes.filter((o) => !o.ok),
    [],
    'every object of the pass succeeds',
  );
}

before(async () => {
  sim = await startSimulator({ seed: 'small' });
  db = await createTestDatabase();
  bucketDir = mkdtempSync(path.join(tmpdir(), 'ab-audit-'));
  await registerSimOrg(sim, db.knex);
  ctx = await engineFor(sim, db.knex, new FsBlobStore(bucketDir), {
    restSliceSize: 20,
    bulkThreshold: 1_000_000,
  });
});

after(async () => {
  await sim?.close();
  await db?.destroy();
  if (bucketDir) rmSync(bucketDir, { recursive: true, force: true });
});

describe('the end-to-end audit', () => {
  test('changes sharing a second with a late commit, deletes, a new field and a lost object are all backed up', async () => {
    await clock(LAG + 65_000);
    await pass();

    const accounts = liveIds('Account');
    assert.ok(accounts.length >= 30, `accounts in the small org (${accounts.length})`);
    const updated = accounts.slice(0, 30);
    const tagged = updated.slice(0, 5);
    const leads = liveIds('Lead');
    assert.ok(leads.length >= 6, `leads in the small org (${leads.length})`);

    // One simulated second S: start at its beginning, so everything below shares it.
    await admin('clock', {
      set: new Date(Math.ceil(sim.org.clock.nowMs() / 1000) * 1000 + 1000).toISOString(),
    });
    const update = (await admin('mutate', {
      object: 'Account',
      ops: [{ op: 'update', ids: updated, set: { Description: 'audited' } }],
      sameSecond: true,
    })) as { systemModstamp: string };
    await admin('schema', { object: 'Account', fields: [{ name: 'Audit_Tag__c', type: 'string' }] });
    const late = (await admin('mutate', {
      object: 'Account',
      ops: [{ op: 'update', ids: tagged, set: { Audit_Tag__c: 'tagged' } }],
      sameSecond: true,
      commitDelayMs: COMMIT_DELAY_MS,
    })) as { systemModstamp: string };
    assert.equal(late.systemModstamp, update.systemModstamp, 'the late commit shares the update’s second');
    await admin('mutate', { object: 'Lead', ops: [{ op: 'delete', ids: leads.slice(0, 4) }] });
    await admin('mutate', { object: 'Lead', ops: [{ op: 'undelete', ids: leads.slice(0, 2) }] });
    await admin('mutate', { object: 'Lead', ops: [{ op: 'delete', ids: leads.slice(4, 6), hard: true }] });

    // A pass past the lag while the late commit is still invisible: it stores the update at second S.
    await clock(LAG + 10_000);
    await pass();
    const between = await recordHistory(ctx.store, sim.orgId, 'Account', tagged[0]!);
    assert.equal(between[0]?.fields.Description, 'audited');
    assert.equal(between[0]?.fields.Audit_Tag__c ?? null, null, 'the late commit is not visible yet');

    await admin('permissions', { object: 'Case', readable: false });
    await clock(COMMIT_DELAY_MS);
    await pass();
    await clock(60_000);
    await pass();

    for (const id of tagged) {
      const [newest] = await recordHistory(ctx.store, sim.orgId, 'Account', id);
      assert.equal(newest?.fields.Audit_Tag__c, 'tagged', `${id}: the late commit’s version is backed up`);
      assert.equal(newest?.fields.Description, 'audited');
    }
    assert.equal((await getRegistryObject(db.knex, sim.orgId, 'Case'))?.access, 'unavailable');
    assert.deepEqual(
      (await verifyOrg(ctx, CHECKED)).objects.flatMap((o) => o.gaps),
      [],
      'verify finds no gap',
    );
    assert.deepEqual(
      await truthMismatches(sim, ctx.store, CHECKED, ctx.options.lagMs),
      [],
      'the backup matches the ground truth',
    );
  });
});
