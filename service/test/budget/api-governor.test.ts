/**
 * The API budget governor against the org simulator and PostgreSQL: sessions of two "replicas" (two sessions, one
 * ledger) share the org's allowance; the simulator counts and refuses calls as Salesforce does, and its request log
 * shows what reached the org.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../../test/sf-sim/src/index.js';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import { connectOrg } from '../../src/backup/org-connection.js';
import { createLogger } from '../../src/logger.js';
import {
  ApiGovernor,
  BudgetExhaustedError,
  DEFAULT_BUDGET_RULES,
} from '../../src/salesforce/api-governor.js';
import { probeOrgClock } from '../../src/salesforce/org-clock.js';
import type { SalesforceSession } from '../../src/salesforce/session.js';
import { PgApiLedger, readBudgetFigures } from '../../src/store/budget/api-ledger.js';
import { findOrg } from '../../src/store/orgs/org-repository.js';
import { recordOrgClock } from '../../src/store/schedule/schedule-state.js';
import { registerSimOrg, TEST_MASTER_KEY } from '../support/engine-fixture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

const logger = createLogger('silent');
let sim: Simulator;
let db: TestDatabase;

const admin = (method: string, pathname: string, body?: unknown) => simAdmin(sim, method, pathname, body);

interface Logged {
  seq: number;
  session: string;
  status: number | null;
}

async function requestsSince(seq: number): Promise<Logged[]> {
  return ((await admin('GET', `requests?since=${seq}`)) as { requests: Logged[] }).requests;
}

async function lastSeq(): Promise<number> {
  return ((await admin('GET', 'requests?since=0')) as { next: number }).next;
}

async function simUsed(): Promise<number> {
  return ((await admin('GET', 'stats')) as { apiUsage: { used: number } }).apiUsage.used;
}

/** A session as a replica's engine opens it: governed by the shared PostgreSQL ledger. */
async function governedSession(): Promise<SalesforceSession> {
  const org = (await findOrg(db.knex, sim.orgId))!;
  const session = await connectOrg(org, TEST_MASTER_KEY, logger);
  session.governWith(new ApiGovernor(new PgApiLedger(db.knex), sim.orgId, DEFAULT_BUDGET_RULES));
  return session;
}

/** Reads the org's clock afresh, as the scheduler does before each job (the simulated clock was moved). */
async function followClock(session: SalesforceSession): Promise<void> {
  session.clock.observe((await probeOrgClock(sim.url)).toUTCString());
  await recordOrgClock(db.knex, sim.orgId, session.clock.now());
}

/** Calls cheap resources until the governor refuses; returns the calls that went. */
async function callUntilRefused(session: SalesforceSession, kind: 'backfill' | 'check'): Promise<number> {
  let calls = 0;
  for (;;) {
    try {
      await session.request({ path: '/sobjects/Account/describe', kind });
      calls += 1;
    } catch (err) {
      if (err instanceof BudgetExhaustedError) return calls;
      throw err;
    }
  }
}

before(async () => {
  sim = await startSimulator({ seed: 'none' });
  db = await createTestDatabase();
  await registerSimOrg(sim, db.knex);
});

after(async () => {
  await sim?.close();
  await db?.destroy();
});

beforeEach(async () => {
  // A fresh day for each test: the org's counter and the service's ledger start at zero.
  await admin('POST', 'limits', { dailyApiRequests: 100_000, reset: true });
  await db.knex('api_calls').delete();
  await db.knex('api_budget').delete();
  await db.knex('orgs').update({ api_budget_share: 0.5 });
});

describe('the API budget governor', () => {
  test('two replicas together stop at the share less the check reserve, exactly, and checks keep the reserve', async () => {
    await admin('POST', 'limits', { dailyApiRequests: 400 }); // ceiling 200; check reserve 10
    const [a, b] = await Promise.all([governedSession(), governedSession()]);
    // Eight workers on each replica race for the last calls: the row lock keeps the count exact.
    const counts = await Promise.all(
      Array.from({ length: 16 }, (_, i) => callUntilRefused(i % 2 === 0 ? a : b, 'backfill')),
    );
    const backfill = counts.reduce((n, c) => n + c, 0);
    assert.equal(backfill, 190, 'backfill calls stop at 200 − the 10-call check reserve');
    assert.equal(await simUsed(), 190, 'the org counted exactly the calls the ledger granted');
    // The reserve is the checks': they go on until the ceiling.
    assert.equal(await callUntilRefused(a, 'check'), 10);
    assert.equal(await simUsed(), 200);
    const refused = await a.request({ path: '/sobjects/', kind: 'check' }).catch((e: unknown) => e);
    assert.ok(refused instanceof BudgetExhaustedError);
    assert.equal(refused.reason, 'service-share');
    // Every call was made in the last minute: the allowance frees a day after it.
    const now = a.clock.now().getTime();
    assert.ok(
      refused.until.getTime() > now + 23 * 3600_000 &&
        refused.until.getTime() <= now + 24 * 3600_000 + 60_000,
    );
    await followClock(a);
    assert.deepEqual(await readBudgetFigures(db.knex, sim.orgId), { serviceUsed: 200, serviceMax: 200 });

    // The simulated day rolls: the allowance is back.
    await admin('POST', 'clock', { advanceMs: 24 * 3600_000 + 60_000 });
    await followClock(b);
    await b.request({ path: '/sobjects/' });
    assert.equal((await readBudgetFigures(db.knex, sim.orgId)).serviceUsed, 1);
  });

  test("the org's other integrations count: the service stops short of the org's max", async () => {
    await admin('POST', 'limits', { dailyApiRequests: 400 });
    await db.knex('orgs').update({ api_budget_share: 1 });
    const other = await connectOrg((await findOrg(db.knex, sim.orgId))!, TEST_MASTER_KEY, logger); // not governed
    for (let i = 0; i < 300; i++) await other.request({ path: '/sobjects/' });
    const service = await governedSession();
    const from = await lastSeq();
    const calls = await callUntilRefused(service, 'backfill');
    assert.ok(calls > 80 && calls < 100, `the service made ${calls} calls`);
    const used = await simUsed();
    assert.ok(used < 400, `the org's total stayed under its max (${used})`);
    assert.equal(
      (await requestsSince(from)).filter((r) => r.status === 403).length,
      0,
      'no call was refused',
    );
  });

  test('ConcurrentPerOrgLongTxn is transient: the call is retried and succeeds', async () => {
    const session = await governedSession();
    await admin('POST', 'faults', {
      rules: [
        {
          path: '/sobjects/$',
          action: 'status',
          status: 403,
          errorCode: 'REQUEST_LIMIT_EXCEEDED',
          message: 'ConcurrentPerOrgLongTxn Limit exceeded.',
          count: 2,
        },
      ],
    });
    try {
      const res = await session.request({ path: '/sobjects/' });
      assert.equal(res.status, 200);
    } finally {
      await admin('DELETE', 'faults');
    }
  });

  test('TotalRequests from the org blocks every replica without an error storm, then one probe resumes', async () => {
    const [a, b] = await Promise.all([governedSession(), governedSession()]);
    await a.request({ path: '/sobjects/' });
    // Another integration spent the org's day under the service's feet.
    await admin('POST', 'limits', { dailyApiRequests: await simUsed() });
    const from = await lastSeq();
    const first = await a.request({ path: '/sobjects/' }).catch((e: unknown) => e);
    assert.ok(first instanceof BudgetExhaustedError, String(first));
    for (const s of [a, b, a, b]) {
      const again = await s.request({ path: '/sobjects/' }).catch((e: unknown) => e);
      assert.ok(again instanceof BudgetExhaustedError, 'both replicas wait');
    }
    const reached = await requestsSince(from);
    assert.deepEqual(
      reached.map((r) => r.status),
      [403],
      'one refused call reached the org, the rest waited',
    );
    const blocked = await db.knex('api_budget').where({ org_id: sim.orgId }).first<{ blocked_until: Date }>();
    assert.ok(blocked.blocked_until > a.clock.now(), 'the block is stored for every replica');

    // Salesforce frees the allowance; after the wait one call probes, and the block is lifted.
    await admin('POST', 'limits', { dailyApiRequests: 100_000 });
    await admin('POST', 'clock', { advanceMs: 16 * 60_000 });
    await followClock(b);
    const probe = await b.request({ path: '/sobjects/' });
    assert.equal(probe.status, 200);
    const lifted = await db
      .knex('api_budget')
      .where({ org_id: sim.orgId })
      .first<{ blocked_until: Date | null }>();
    assert.equal(lifted.blocked_until, null);
    assert.equal((await a.request({ path: '/sobjects/' })).status, 200);
  });

  test('files have their own share of the ceiling', async () => {
    await admin('POST', 'limits', { dailyApiRequests: 400 }); // ceiling 200: files at most 30 % = 60
    const session = await governedSession();
    await session.request({ path: '/sobjects/' }); // learns the org's max
    let files = 0;
    for (;;) {
      const permit = await session.permitCall('files').catch((e: unknown) => e);
      if (permit instanceof BudgetExhaustedError) {
        assert.equal(permit.reason, 'files-share');
        break;
      }
      files += 1;
    }
    assert.equal(files, 60);
    // Records are not held back by the files' share.
    await session.request({ path: '/sobjects/' });
  });
});
