/**
 * Large reads against Salesforce's limits (issue #15): a query that runs too long (QUERY_TIMEOUT, from the
 * simulator's `queryTimeout` fault: queries and Bulk jobs over N rows time out) is asked again over smaller
 * windows until the backup completes, with nothing lost (verify and the simulator's ground truth); and a backfill
 * costs the API calls the user's daily allowance can expect (counted by the simulator's request log).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { startSimulator, type Simulator } from '../../../test/sf-sim/src/index.js';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import { runBackupPass } from '../../src/backup/backup-pass.js';
import {
  DEFAULT_ENGINE_OPTIONS,
  type EngineContext,
  type EngineOptions,
} from '../../src/backup/engine-context.js';
import { hintFor } from '../../src/backup/error-hints.js';
import { verifyOrg } from '../../src/backup/verify.js';
import { FsBlobStore } from '../../src/store/blob/fs-blob-store.js';
import { engineFor, registerSimOrg } from '../support/engine-fixture.js';
import { createTestDatabase } from '../support/test-db.js';
import { truthMismatches } from '../support/truth-check.js';

const OBJECT = 'Bench__c';

interface Scene {
  sim: Simulator;
  ctx: EngineContext;
  admin(pathname: string, body?: unknown, method?: string): Promise<unknown>;
  /** Backs up Bench__c once (after the clock passed the lag); the pass's outcome for it. */
  backUp(): Promise<Awaited<ReturnType<typeof runBackupPass>>['outcomes'][number]>;
  expectNothingLost(): Promise<void>;
  /** The data-API requests that touched Bench__c since request number `since`. */
  requests(
    since?: number,
  ): Promise<Array<{ seq: number; method: string; path: string; status: number | null }>>;
}

async function scene(t: TestContext, records: number, options: Partial<EngineOptions>): Promise<Scene> {
  const sim = await startSimulator({ seed: 'none', records });
  t.after(() => sim.close());
  const db = await createTestDatabase();
  t.after(() => db.destroy());
  const bucketDir = mkdtempSync(path.join(tmpdir(), 'ab-timeout-'));
  t.after(() => rmSync(bucketDir, { recursive: true, force: true }));
  await registerSimOrg(sim, db.knex);
  const ctx = await engineFor(sim, db.knex, new FsBlobStore(bucketDir), options);
  const admin = (pathname: string, body?: unknown, method = 'POST') => simAdmin(sim, method, pathname, body);
  return {
    sim,
    ctx,
    admin,
    async backUp() {
      await admin('clock', { advanceMs: DEFAULT_ENGINE_OPTIONS.lagMs + 65_000 });
      const pass = await runBackupPass(ctx, { objects: [OBJECT] });
      const outcome = pass.outcomes.find((o) => o.object === OBJECT);
      assert.ok(outcome, 'Bench__c was backed up');
      return outcome;
    },
    async expectNothingLost() {
      // Verify lists every Id in one query: the faults are the backup's trial, not verify's.
      await admin('faults', undefined, 'DELETE');
      const verified = await verifyOrg(ctx, [OBJECT]);
      assert.deepEqual(
        verified.objects.flatMap((o) => o.gaps),
        [],
        'verify finds no gap',
      );
      assert.deepEqual(
        await truthMismatches(sim, ctx.store, [OBJECT], ctx.options.lagMs),
        [],
        'matches the org',
      );
    },
    async requests(since = 0) {
      const log = (await admin(`requests?since=${since}&object=${OBJECT}`, undefined, 'GET')) as {
        requests: Array<{ seq: number; method: string; path: string; status: number | null }>;
      };
      return log.requests;
    },
  };
}

const isJobCreate = (r: { method: string; path: string }) =>
  r.method === 'POST' && /\/jobs\/query$/.test(r.path);
const isJobPoll = (r: { method: string; path: string }) =>
  r.method === 'GET' && /\/jobs\/query\/[^/]+$/.test(r.path);

describe('a query that runs too long is asked again over smaller windows', () => {
  test('Bulk jobs over too many rows fail; the backfill completes in smaller windows and loses nothing', async (t) => {
    const { ctx, admin, backUp, expectNothingLost, requests } = await scene(t, 6000, {
      bulkThreshold: 1000,
      bulkMinWindowRows: 500,
      bulkPollIntervalMs: 20,
    });
    // Any Bulk job over 2,000 rows times out (Failed with QUERY_TIMEOUT).
    await admin('faults', { rules: [{ path: '/jobs/query$', action: 'queryTimeout', rows: 2000 }] });
    const outcome = await backUp();
    assert.equal(outcome.ok, true, JSON.stringify(outcome.error));
    assert.equal(outcome.complete, true);
    assert.match(outcome.via ?? '', /bulk/);
    const log = await requests();
    const jobs = log.filter(isJobCreate).length;
    // The first window (the whole backlog after the REST probe's first page) fails, then windows of ≤ 2,000 rows.
    assert.ok(jobs >= 4, `one failed job, then at least 3 smaller ones (${jobs} jobs)`);
    assert.equal(ctx.options.bulkWindowMaxRows, DEFAULT_ENGINE_OPTIONS.bulkWindowMaxRows);
    await expectNothingLost();
  });

  test('a REST query that times out is narrowed by halves until it passes; nothing is lost', async (t) => {
    const { admin, backUp, expectNothingLost, requests } = await scene(t, 3000, {
      bulkThreshold: 1_000_000,
      restSliceSize: 1000,
    });
    // A REST query over more than 400 rows times out; COUNT() queries do not.
    await admin('faults', { rules: [{ path: '/queryAll', action: 'queryTimeout', rows: 400 }] });
    const outcome = await backUp();
    assert.equal(outcome.ok, true, JSON.stringify(outcome.error));
    assert.equal(outcome.complete, true);
    const timedOut = (await requests()).filter((r) => r.status === 400).length;
    assert.ok(timedOut >= 2, `queries timed out and were narrowed (${timedOut} timeouts)`);
    await expectNothingLost();
  });

  test('when even the smallest window times out, the object fails with the QUERY_TIMEOUT hint', async (t) => {
    const { admin, backUp } = await scene(t, 3000, {
      bulkThreshold: 1000,
      bulkMinWindowRows: 1000,
      bulkPollIntervalMs: 20,
    });
    await admin('faults', { rules: [{ path: '/jobs/query$', action: 'queryTimeout', rows: 10 }] });
    const outcome = await backUp();
    assert.equal(outcome.ok, false);
    assert.equal(outcome.error?.code, 'QUERY_TIMEOUT');
    assert.match(hintFor('QUERY_TIMEOUT') ?? '', /smaller windows/);
  });
});

describe('what a backfill costs in API calls', () => {
  test('a 30,000-row backfill costs one REST page and one Bulk job: no COUNT(), few polls, no DELETE', async (t) => {
    const { backUp, expectNothingLost, requests } = await scene(t, 30_000, { bulkPollIntervalMs: 20 });
    const outcome = await backUp();
    assert.equal(outcome.ok, true, JSON.stringify(outcome.error));
    assert.equal(outcome.written, 30_000);
    const log = await requests();
    const queries = log.filter((r) => /\/query(All)?$/.test(r.path));
    const polls = log.filter(isJobPoll);
    const pages = log.filter((r) => /\/results$/.test(r.path));
    assert.equal(queries.length, 1, 'one REST query: its first page tells the backlog (no COUNT() call)');
    assert.equal(log.filter(isJobCreate).length, 1, 'one Bulk job');
    assert.equal(pages.length, 1, 'one results page (pages are sized by bytes)');
    assert.ok(polls.length <= 8, `polls back off (${polls.length} polls)`);
    assert.equal(
      log.filter((r) => r.method === 'DELETE').length,
      0,
      'no DELETE: Salesforce removes results itself',
    );
    // REST alone would take 15 pages of 2,000 rows.
    assert.ok(
      log.length <= 11,
      `${log.length} calls in all: ${log.map((r) => `${r.method} ${r.path}`).join(', ')}`,
    );
    await expectNothingLost();
  });

  test('a backlog larger than a window is read in full windows, each placed with at most two COUNT() calls', async (t) => {
    const { backUp, expectNothingLost, requests } = await scene(t, 9000, {
      bulkThreshold: 1000,
      bulkWindowMaxRows: 2500,
      bulkPollIntervalMs: 20,
    });
    const outcome = await backUp();
    assert.equal(outcome.ok, true, JSON.stringify(outcome.error));
    assert.equal(outcome.written, 9000);
    const log = await requests();
    const jobs = log.filter(isJobCreate).length;
    const queries = log.filter((r) => /\/query(All)?$/.test(r.path)).length;
    // 7,000 rows after the probe's first page: windows of 1,250 to 2,500 rows (a binary search spent ~30 COUNT()s).
    assert.ok(jobs >= 3 && jobs <= 6, `${jobs} windows`);
    assert.ok(queries <= 1 + 2 * jobs, `${queries} queries for ${jobs} windows`);
    await expectNothingLost();
  });

  test("a backlog its probe's LIMIT hides is sized by the org's record count, so Bulk windows stay within their bound", async (t) => {
    // The probe reads a slice of 5,000 rows: its totalSize says only "at least 5,000" of the 30,000.
    const { admin, backUp, expectNothingLost, requests } = await scene(t, 30_000, {
      restSliceSize: 5000,
      bulkThreshold: 5000,
      bulkWindowMaxRows: 12_000,
      bulkPollIntervalMs: 20,
    });
    const outcome = await backUp();
    assert.equal(outcome.ok, true, JSON.stringify(outcome.error));
    assert.equal(outcome.written, 30_000);
    const log = await requests();
    const all = (await admin('requests?since=0', undefined, 'GET')) as { requests: Array<{ path: string }> };
    assert.equal(
      all.requests.filter((r) => /\/limits\/recordCount$/.test(r.path)).length,
      1,
      'one record count call',
    );
    const jobs = log.filter(isJobCreate).length;
    assert.ok(jobs >= 3 && jobs <= 5, `30,000 rows in windows of at most 12,000: ${jobs} Bulk jobs`);
    await expectNothingLost();
  });
});
