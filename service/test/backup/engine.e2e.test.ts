/**
 * The records engine end to end: the org simulator (real wire), embedded PostgreSQL and a filesystem bucket,
 * each scenario checked with `verify` and against the simulator's ground truth.
 *
 * Every test sets up its own org (simulator, database, bucket) and backs up what it needs first, so each one
 * runs alone (`--test-name-pattern`), in any order, and a failure shows in its own test only.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { startSimulator, type Simulator } from '../../../test/sf-sim/src/index.js';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import { runBackupPass } from '../../src/backup/backup-pass.js';
import { DEFAULT_ENGINE_OPTIONS, type EngineContext } from '../../src/backup/engine-context.js';
import { buildDashboard, objectStatus } from '../../src/backup/status.js';
import { verifyOrg } from '../../src/backup/verify.js';
import { ApiGovernor, DEFAULT_BUDGET_RULES } from '../../src/salesforce/api-governor.js';
import { FsBlobStore } from '../../src/store/blob/fs-blob-store.js';
import { PgApiLedger } from '../../src/store/budget/api-ledger.js';
import { findOrg } from '../../src/store/orgs/org-repository.js';
import { dashboardFigures, objectErrorNames } from '../../src/store/registry/dashboard-data.js';
import {
  getRegistryObject,
  listRegistry,
  listSchemaChanges,
} from '../../src/store/registry/object-registry.js';
import { exportVersions, recordHistory } from '../../src/store/versions/version-reader.js';
import { engineFor, registerSimOrg } from '../support/engine-fixture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';
import { truthMismatches } from '../support/truth-check.js';

const CHECKED = ['Account', 'Contact', 'Lead', 'Opportunity', 'Case', 'Task'];

/** One test's org: its own simulator, database and bucket, registered, with an engine context on them. */
interface TestOrg {
  sim: Simulator;
  db: TestDatabase;
  bucketDir: string;
  ctx: EngineContext;
  /** The simulator's admin API (throws on a refused call). */
  admin(pathname: string, body?: unknown, method?: string): Promise<unknown>;
  /** Lets the org's clock pass the engine's lag, so the latest changes are inside the next window. */
  passTheLag(): Promise<unknown>;
  /** What the scenarios start from: the org's history past the lag, backed up (every object, or `objects`). */
  backUp(objects?: string[]): Promise<void>;
  expectNoGaps(): Promise<void>;
  exportOf(object: string): Promise<string>;
}

/** Sets up a fresh org for test `t`, removed when the test ends. */
async function testOrg(t: TestContext): Promise<TestOrg> {
  const sim = await startSimulator({ seed: 'small' });
  t.after(() => sim.close());
  const db = await createTestDatabase();
  t.after(() => db.destroy());
  const bucketDir = mkdtempSync(path.join(tmpdir(), 'ab-engine-'));
  t.after(() => rmSync(bucketDir, { recursive: true, force: true }));
  const registered = await registerSimOrg(sim, db.knex);
  assert.equal(registered.orgId, sim.orgId);
  assert.match(registered.serviceKey, /^abk_[0-9a-f]{12}_/);
  const ctx = await engineFor(sim, db.knex, new FsBlobStore(bucketDir), {
    restSliceSize: 250,
    bulkThreshold: 1_000_000,
    bulkPollIntervalMs: 20,
  });
  const admin = (pathname: string, body?: unknown, method = 'POST') => simAdmin(sim, method, pathname, body);
  const passTheLag = () => admin('clock', { advanceMs: DEFAULT_ENGINE_OPTIONS.lagMs + 65_000 });
  return {
    sim,
    db,
    bucketDir,
    ctx,
    admin,
    passTheLag,
    async backUp(objects) {
      await passTheLag();
      const pass = await runBackupPass(ctx, objects ? { objects } : {});
      assert.deepEqual(
        pass.outcomes.filter((o) => !o.ok),
        [],
        'the backup the test starts from',
      );
    },
    async expectNoGaps() {
      const result = await verifyOrg(ctx);
      const gaps = result.objects.flatMap((o) => o.gaps);
      assert.deepEqual(gaps, [], 'verify finds no gap');
      const available = [];
      for (const name of CHECKED)
        if ((await getRegistryObject(db.knex, sim.orgId, name))?.access === 'available') available.push(name);
      assert.deepEqual(
        await truthMismatches(sim, ctx.store, available, ctx.options.lagMs),
        [],
        'the backup matches the ground truth',
      );
    },
    async exportOf(object) {
      let out = '';
      for await (const line of exportVersions(ctx.store, sim.orgId, object)) out += line;
      return out;
    },
  };
}

describe('backing up an org’s records', () => {
  test('a full backfill captures every visible record of every supported object, with no gap', async (t) => {
    const { sim, db, ctx, passTheLag, expectNoGaps } = await testOrg(t);
    await passTheLag();
    const pass = await runBackupPass(ctx);
    assert.deepEqual(
      pass.outcomes.filter((o) => !o.ok),
      [],
      'no object failed',
    );
    const registry = await listRegistry(db.knex, sim.orgId);
    const account = registry.find((o) => o.name === 'Account');
    assert.ok(account && account.versions > 0 && account.backfillCompletedAt);
    const truthIds = new Set([...sim.org.truth('Account')].map((v) => v.Id));
    assert.equal(account.records, truthIds.size);
    assert.ok(
      registry.some((o) => o.support === 'unsupported' && o.supportReason),
      'unsupported objects carry a reason',
    );
    await expectNoGaps();
  });

  test('updates sharing one second across page boundaries are all captured', async (t) => {
    const { sim, ctx, admin, passTheLag, backUp, expectNoGaps } = await testOrg(t);
    await backUp();
    // 530 contacts written in one second: REST pages of 200 and slices of 250 all cut through that second.
    const records = Array.from({ length: 530 }, (_, i) => ({ LastName: `Tie ${i}`, Title: 'Same Second' }));
    const created = (await admin('mutate', {
      object: 'Contact',
      ops: [{ op: 'create', records }],
      sameSecond: true,
    })) as { created: string[] };
    await passTheLag();
    const pass = await runBackupPass(ctx, { objects: ['Contact'] });
    assert.equal(pass.outcomes[0]?.written, 530, 'one version per new contact, none skipped');
    const contacts = created.created;
    for (const id of contacts.slice(0, 3)) {
      const history = await recordHistory(ctx.store, sim.orgId, 'Contact', id);
      assert.equal(history[0]?.fields.Title, 'Same Second');
    }
    await expectNoGaps();
  });

  test('re-reading what is stored adds nothing', async (t) => {
    const { sim, db, ctx, backUp } = await testOrg(t);
    await backUp(['Account']);
    const before = await getRegistryObject(db.knex, sim.orgId, 'Account');
    const pass = await runBackupPass(ctx, { objects: ['Account'] });
    assert.equal(pass.outcomes[0]?.written, 0);
    const after = await getRegistryObject(db.knex, sim.orgId, 'Account');
    assert.equal(after?.versions, before?.versions);
  });

  test('passes in quick succession (less than a minute apart) succeed and add nothing', async (t) => {
    const { ctx, backUp } = await testOrg(t);
    await backUp();
    const first = await runBackupPass(ctx);
    const second = await runBackupPass(ctx);
    assert.deepEqual(
      [...first.outcomes, ...second.outcomes].filter((o) => !o.ok),
      [],
    );
    assert.equal(
      second.outcomes.reduce((n, o) => n + o.written + o.tombstones, 0),
      0,
    );
  });

  test('a delete after the last backup is pending in verify, not a gap', async (t) => {
    const { sim, ctx, admin, backUp } = await testOrg(t);
    await backUp(['Lead']);
    await runBackupPass(ctx, { objects: ['Lead'] });
    const [id] = sim.org
      .query('SELECT Id FROM Lead ORDER BY Id DESC LIMIT 1')
      .records.map((r) => String(r.Id));
    await admin('mutate', { object: 'Lead', ops: [{ op: 'delete', ids: [id], hard: true }] });
    await admin('clock', { advanceMs: 90_000 });
    const result = await verifyOrg(ctx, ['Lead']);
    assert.deepEqual(result.objects[0]?.gaps, []);
    assert.ok((result.objects[0]?.pending ?? 0) >= 1, 'the deletion is reported as pending');
  });

  test('soft delete, undelete and hard delete become versions and tombstones', async (t) => {
    const { sim, ctx, admin, passTheLag, backUp, expectNoGaps } = await testOrg(t);
    await backUp();
    const [soft, hard] = sim.org
      .query('SELECT Id FROM Lead ORDER BY Id LIMIT 2')
      .records.map((r) => String(r.Id));
    assert.ok(soft && hard);
    await admin('mutate', { object: 'Lead', ops: [{ op: 'delete', ids: [soft] }] });
    await admin('mutate', { object: 'Lead', ops: [{ op: 'delete', ids: [hard], hard: true }] });
    await passTheLag();
    await runBackupPass(ctx, { objects: ['Lead'] });
    const softHistory = await recordHistory(ctx.store, sim.orgId, 'Lead', soft);
    assert.equal(softHistory[0]?.deleted, true, 'the soft delete is the newest version');
    const hardHistory = await recordHistory(ctx.store, sim.orgId, 'Lead', hard);
    assert.equal(hardHistory[0]?.deleted, true, 'the hard delete is a tombstone');
    assert.deepEqual(hardHistory[0]?.fields, {});

    await admin('mutate', { object: 'Lead', ops: [{ op: 'undelete', ids: [soft] }] });
    await passTheLag();
    await runBackupPass(ctx, { objects: ['Lead'] });
    const restored = await recordHistory(ctx.store, sim.orgId, 'Lead', soft);
    assert.equal(restored[0]?.deleted, false, 'the undelete is a new live version');
    await expectNoGaps();
  });

  test('an object the integration user loses becomes Unavailable, and comes back when access returns', async (t) => {
    const { sim, db, ctx, admin, backUp } = await testOrg(t);
    await backUp(['Case']);
    await admin('permissions', { object: 'Case', readable: false });
    await runBackupPass(ctx);
    const org = (await findOrg(db.knex, sim.orgId))!;
    const lost = await getRegistryObject(db.knex, sim.orgId, 'Case');
    assert.equal(lost?.access, 'unavailable');
    assert.equal(objectStatus(lost!, org, new Set()), 'Unavailable');
    assert.ok(
      (await listSchemaChanges(db.knex, sim.orgId)).some(
        (c) => c.object === 'Case' && c.change === 'object_unavailable',
      ),
    );

    await admin('permissions', { object: 'Case', readable: true });
    await runBackupPass(ctx);
    assert.equal((await getRegistryObject(db.knex, sim.orgId, 'Case'))?.access, 'available');
  });

  test('a field that loses access stops being queried; a new custom object and field join on their own', async (t) => {
    const { sim, db, ctx, admin, passTheLag, backUp } = await testOrg(t);
    await backUp(['Account']);
    await admin('permissions', { object: 'Account', fields: { Phone: false } });
    await admin('schema', {
      object: 'Invoice__c',
      label: 'Invoice',
      fields: [{ name: 'Amount__c', type: 'currency' }],
    });
    await admin('schema', { object: 'Account', fields: [{ name: 'Tier__c', type: 'string' }] });
    await admin('mutate', {
      object: 'Invoice__c',
      ops: [
        {
          op: 'create',
          records: [
            { Name: 'INV-1', Amount__c: 12.5 },
            { Name: 'INV-2', Amount__c: 99 },
          ],
        },
      ],
    });
    await passTheLag();
    const pass = await runBackupPass(ctx);
    assert.deepEqual(
      pass.outcomes.filter((o) => !o.ok),
      [],
    );
    const account = await getRegistryObject(db.knex, sim.orgId, 'Account');
    assert.ok(!account?.fields?.some((f) => f.name === 'Phone'), 'Phone is no longer read');
    assert.ok(
      account?.fields?.some((f) => f.name === 'Tier__c'),
      'the new field is read',
    );
    const invoice = await getRegistryObject(db.knex, sim.orgId, 'Invoice__c');
    assert.equal(invoice?.records, 2);
    const changes = await listSchemaChanges(db.knex, sim.orgId);
    assert.ok(
      changes.some((c) => c.object === 'Account' && c.field === 'Phone' && c.change === 'field_unavailable'),
    );
    assert.ok(changes.some((c) => c.object === 'Invoice__c' && c.change === 'object_added'));
    await admin('permissions', { object: 'Account', fields: { Phone: true } });
  });

  test('REST and Bulk read the same versions byte for byte', async (t) => {
    const { sim, db, backUp, exportOf } = await testOrg(t);
    await backUp(['Opportunity']);
    const restExport = await exportOf('Opportunity');
    const db2 = await createTestDatabase();
    const bucket2 = mkdtempSync(path.join(tmpdir(), 'ab-engine-bulk-'));
    try {
      await registerSimOrg(sim, db2.knex);
      const bulkCtx = await engineFor(sim, db2.knex, new FsBlobStore(bucket2), {
        bulkThreshold: 1,
        bulkPageSize: 40,
        bulkPageBytes: 8_000, // pages of a few dozen rows: the locator loop is exercised
        bulkPollIntervalMs: 20,
      });
      // Both backups end at the same point of the org's history.
      const upTo = (await getRegistryObject(db.knex, sim.orgId, 'Opportunity'))!.caughtUpAt!;
      const pass = await runBackupPass(bulkCtx, { objects: ['Opportunity'] });
      assert.equal(pass.outcomes[0]?.via, 'rest+bulk', JSON.stringify(pass.outcomes[0]));
      let bulkExport = '';
      for await (const line of exportVersions(bulkCtx.store, sim.orgId, 'Opportunity')) bulkExport += line;
      const cut = (text: string) =>
        text
          .split('\n')
          .filter((l) => l && JSON.parse(l).systemModstamp <= upTo.toISOString())
          .join('\n');
      assert.ok(cut(restExport).length > 0);
      assert.equal(cut(bulkExport), cut(restExport));
    } finally {
      await db2.destroy();
      rmSync(bucket2, { recursive: true, force: true });
    }
  });

  test('ContentDocumentLink is backed up through its documents, and a removed link is found by reconciliation', async (t) => {
    const { sim, ctx, admin, passTheLag, backUp } = await testOrg(t);
    await backUp(['ContentDocumentLink']);
    const links = sim.org.query(
      'SELECT Id, ContentDocumentId FROM ContentDocumentLink WHERE ContentDocumentId IN (SELECT Id FROM ContentDocument)',
    );
    const link = String(links.records[0]?.Id ?? '');
    assert.ok(link, 'the small org has file links');
    const held = await recordHistory(ctx.store, sim.orgId, 'ContentDocumentLink', link);
    assert.equal(held[0]?.deleted, false, 'the link was backed up');
    await admin('mutate', {
      object: 'ContentDocumentLink',
      ops: [{ op: 'delete', ids: [link], hard: true }],
    });
    await passTheLag();
    const pass = await runBackupPass(
      { ...ctx, options: { ...ctx.options, reconcileEveryMs: 0 } },
      { objects: ['ContentDocumentLink'] },
    );
    assert.equal(pass.outcomes[0]?.tombstones, 1);
    assert.equal((await recordHistory(ctx.store, sim.orgId, 'ContentDocumentLink', link))[0]?.deleted, true);
  });

  test('an object read whole in one run is not compared Id by Id at once; its next reconciliation finds deletes', async (t) => {
    const { sim, db, ctx, admin, passTheLag, backUp } = await testOrg(t);
    // An Id reconciliation of AccountHistory (every Id, recycle bin included) would fail the object's run.
    await admin('faults', {
      rules: [{ path: 'q=SELECT%20Id%20FROM%20AccountHistory(&|$)', action: 'status', status: 400 }],
    });
    await backUp(['AccountHistory']);
    const object = await getRegistryObject(db.knex, sim.orgId, 'AccountHistory');
    assert.ok(object?.reconciledAt && object.deletesCheckedUntil, 'it counts as reconciled');
    assert.ok(object.records > 0, 'the small org has account history');
    await admin('faults', undefined, 'DELETE');

    const [row] = sim.org.query('SELECT Id FROM AccountHistory ORDER BY Id LIMIT 1').records;
    const id = String(row?.Id ?? '');
    await admin('mutate', { object: 'AccountHistory', ops: [{ op: 'delete', ids: [id], hard: true }] });
    await passTheLag();
    const pass = await runBackupPass(
      { ...ctx, options: { ...ctx.options, reconcileEveryMs: 0 } },
      { objects: ['AccountHistory'] },
    );
    assert.equal(pass.outcomes[0]?.tombstones, 1, 'the due reconciliation finds the delete');
    assert.equal((await recordHistory(ctx.store, sim.orgId, 'AccountHistory', id))[0]?.deleted, true);
  });

  test('a caught-up object’s delta larger than a slice spends the backfill share, not the checks’ reserve', async (t) => {
    const { sim, db, ctx, admin, passTheLag, backUp } = await testOrg(t);
    await backUp(['Account']);
    ctx.session.governWith(new ApiGovernor(new PgApiLedger(db.knex), sim.orgId, DEFAULT_BUDGET_RULES));
    const ids = sim.org.query('SELECT Id FROM Account ORDER BY Id LIMIT 20').records.map((r) => String(r.Id));
    assert.equal(ids.length, 20);
    await admin('mutate', {
      object: 'Account',
      ops: [{ op: 'update', ids, set: { Description: 'mass update' } }],
    });
    await passTheLag();
    const kinds = async () => {
      const { rows } = await db.knex.raw<{ rows: Array<{ kind: string; n: number }> }>(
        'SELECT kind, sum(calls)::int AS n FROM api_calls WHERE org_id = ? GROUP BY kind',
        [sim.orgId],
      );
      return Object.fromEntries(rows.map((r) => [r.kind, r.n])) as Record<string, number>;
    };
    // Slices of 5 rows: the first is the object's check, the three after it read a backlog.
    const pass = await runBackupPass(
      { ...ctx, options: { ...ctx.options, restSliceSize: 5 } },
      { objects: ['Account'] },
    );
    assert.equal(pass.outcomes[0]?.written, 20);
    const spent = await kinds();
    assert.ok((spent.check ?? 0) >= 1, `checks: ${JSON.stringify(spent)}`);
    assert.ok(
      (spent.backfill ?? 0) >= 3,
      `the backlog's slices are backfill calls: ${JSON.stringify(spent)}`,
    );
  });

  test('ContentDocumentLink is read through its documents five batches of parents to a call', async (t) => {
    const { sim, ctx, admin, passTheLag, backUp } = await testOrg(t);
    await backUp(['Account']); // the schema scan's describes are behind
    // Over 700 documents: three batches of parent Ids, each with its links.
    for (let i = 0; i < 700; i++)
      sim.org.create('ContentVersion', {
        Title: `Document ${i}`,
        PathOnClient: `document-${i}.txt`,
        VersionData: Buffer.from(`document ${i}`).toString('base64'),
      });
    const since = (
      (await admin(`requests?since=${Number.MAX_SAFE_INTEGER}`, undefined, 'GET')) as { next: number }
    ).next;
    await passTheLag();
    const pass = await runBackupPass(ctx, { objects: ['ContentDocumentLink'] });
    assert.equal(pass.outcomes[0]?.ok, true);
    assert.ok((pass.outcomes[0]?.written ?? 0) >= 700, `links read: ${pass.outcomes[0]?.written}`);
    const log = (await admin(`requests?since=${since}&object=ContentDocumentLink`, undefined, 'GET')) as {
      requests: Array<{ path: string }>;
    };
    const alone = log.requests.filter((r) => /\/query\/?$/.test(r.path)).length;
    const together = log.requests.filter((r) => r.path.endsWith('/composite')).length;
    assert.equal(alone, 0, 'no batch of parents asked on its own');
    assert.equal(together, 1, 'three batches in one call');
    assert.deepEqual(await truthMismatches(sim, ctx.store, ['ContentDocumentLink'], ctx.options.lagMs), []);
  });

  test('the dashboard reads Backfilling, then Running Continuously once every object is caught up', async (t) => {
    const { sim, db, bucketDir, backUp } = await testOrg(t);
    await backUp();
    const org = (await findOrg(db.knex, sim.orgId))!;
    const dashboard = buildDashboard({
      org,
      objects: await listRegistry(db.knex, sim.orgId),
      figures: await dashboardFigures(db.knex, sim.orgId),
      storage: `file://${bucketDir}`,
      objectsWithErrors: await objectErrorNames(db.knex, sim.orgId),
      now: new Date(sim.org.clock.nowMs()),
    });
    assert.equal(dashboard.status, 'Running Continuously');
    assert.ok(dashboard.totals.versions > 0 && dashboard.totals.records > 0);
    assert.ok(
      dashboard.coverage.from && dashboard.coverage.to && dashboard.coverage.from < dashboard.coverage.to,
    );
    assert.ok(dashboard.api.max > 0);
  });
});

describe('objects with very many fields', () => {
  test('a field list too long for one query URL is read in parts and merged, matching the org', async (t) => {
    const { sim, db, ctx, admin, passTheLag } = await testOrg(t);
    const fields = Array.from({ length: 400 }, (_, i) => ({
      name: `Quarterly_Revenue_Forecast_Field_${String(i).padStart(3, '0')}__c`,
      type: 'string',
    }));
    await admin('schema', { object: 'Wide_Object__c', label: 'Wide object', fields });
    const records = Array.from({ length: 620 }, (_, i) => ({
      Name: `Wide ${i}`,
      Quarterly_Revenue_Forecast_Field_000__c: `first ${i}`,
      Quarterly_Revenue_Forecast_Field_399__c: `last ${i}`,
    }));
    await admin('mutate', { object: 'Wide_Object__c', ops: [{ op: 'create', records }], sameSecond: true });
    await passTheLag();
    const pass = await runBackupPass(ctx, { objects: ['Wide_Object__c'] });
    assert.deepEqual(
      pass.outcomes.filter((o) => !o.ok),
      [],
    );
    const wide = await getRegistryObject(db.knex, sim.orgId, 'Wide_Object__c');
    assert.equal(wide?.records, 620);
    const history = await recordHistory(
      ctx.store,
      sim.orgId,
      'Wide_Object__c',
      String(sim.org.query("SELECT Id FROM Wide_Object__c WHERE Name = 'Wide 7'").records[0]!.Id),
    );
    assert.equal(history[0]?.fields.Quarterly_Revenue_Forecast_Field_000__c, 'first 7');
    assert.equal(history[0]?.fields.Quarterly_Revenue_Forecast_Field_399__c, 'last 7');
    assert.deepEqual(await truthMismatches(sim, ctx.store, ['Wide_Object__c'], ctx.options.lagMs), []);
    // The premise: one query with every field would be refused by Salesforce (414 over 16 KB).
    const oneQuery = `SELECT ${(wide?.fields ?? []).map((f) => f.name).join(', ')} FROM Wide_Object__c`;
    assert.ok(`/services/data/v62.0/queryAll/?q=${encodeURIComponent(oneQuery)}`.length > 16_384);
  });
});
