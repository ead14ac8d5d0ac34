/**
 * The API budget in continuous backup: the real scheduler (pg-boss queues, node-cron tick), the org simulator
 * counting every call as Salesforce does, embedded PostgreSQL. A small daily allowance runs out mid-backfill: the
 * backup stops under its share without a single refused call, objects wait for the budget and the dashboard says
 * until when; the simulated day rolls and it goes on to the end, nothing lost. Two schedulers share one org's
 * budget; requests in flight never exceed the per-org cap.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { getDashboard, listObjects } from '../../src/app/dashboard.js';
import type { EngineOptions } from '../../src/backup/engine-context.js';
import { updateOrgSettings } from '../../src/store/orgs/org-repository.js';
import type { RegistryObject } from '../../src/store/registry/object-registry.js';
import { startSchedulerStack, type SchedulerStack } from '../support/scheduler-fixture.js';
import { truthMismatches } from '../support/truth-check.js';

const DAY = 24 * 3600_000;
const LAG_MS = 1000;
const ENGINE: Partial<EngineOptions> = {
  lagMs: LAG_MS,
  restSliceSize: 1,
  bulkThreshold: 1_000_000,
  bulkPollIntervalMs: 20,
};

interface Logged {
  session: string;
  status: number | null;
  startedAt: number;
  endedAt: number | null;
}

async function createAttachments(s: SchedulerStack, count: number): Promise<void> {
  const [parent] = await s.createRecords('Account', [{ Name: 'Attachment parent' }]);
  const records = Array.from({ length: count }, (_, i) => ({
    Name: `note-${i}.txt`,
    ParentId: parent,
    Body: Buffer.from(`note ${i}`).toString('base64'),
  }));
  await s.createRecords('Attachment', records);
}

/** A scheduler on the stack with the test's engine options: one-row REST slices, a one-second lag. */
async function startScheduler(
  s: SchedulerStack,
  options: { workers: number; perOrg: number },
): Promise<void> {
  await s.startScheduler({ ...options, engine: ENGINE });
}

async function requests(s: SchedulerStack): Promise<Logged[]> {
  return ((await s.admin('requests?since=0')) as { requests: Logged[] }).requests;
}

/** How many requests reached the org so far (the newest one's number, without fetching the log). */
async function requestCount(s: SchedulerStack): Promise<number> {
  return ((await s.admin(`requests?since=${Number.MAX_SAFE_INTEGER}`)) as { next: number }).next;
}

async function simUsage(s: SchedulerStack): Promise<{ used: number; max: number }> {
  return ((await s.admin('stats')) as { apiUsage: { used: number; max: number } }).apiUsage;
}

/**
 * Waits until the backup is at rest after something new happened: at least one call reached the org since the
 * wait began, then none for `quietMs`, and every object is either caught up or waiting for the budget (until a
 * time still ahead on the org's clock). Says which of the two.
 */
async function atRest(
  s: SchedulerStack,
  quietMs = 3000,
  // Generous: a loaded machine (CI's two cores) is slow to back an org up; nothing here is about speed.
  timeoutMs = 120_000,
): Promise<'caught-up' | 'waiting'> {
  const deadline = Date.now() + timeoutMs;
  const initial = await requestCount(s);
  let last = initial;
  let quietSince = Date.now();
  for (;;) {
    const count = await requestCount(s);
    if (count !== last) {
      last = count;
      quietSince = Date.now();
    }
    const simNow = s.sim.org.clock.nowMs();
    const objects = await s.activeObjects();
    const waiting = (o: RegistryObject) => o.budgetWaitUntil && o.budgetWaitUntil.getTime() > simNow;
    const settled =
      last > initial &&
      objects.length > 0 &&
      objects.every((o) => !o.runningSince && (waiting(o) || (o.caughtUpAt && !o.budgetWaitUntil)));
    if (settled && Date.now() - quietSince >= quietMs)
      return objects.some((o) => waiting(o)) ? 'waiting' : 'caught-up';
    if (Date.now() > deadline) {
      const unsettled = objects
        .filter((o) => o.runningSince || !(waiting(o) || (o.caughtUpAt && !o.budgetWaitUntil)))
        .map(
          (o) =>
            `${o.name} (caught up ${o.caughtUpAt?.toISOString()}, waits ${o.budgetWaitUntil?.toISOString()})`,
        );
      const tail = (await requests(s)).slice(-8) as Array<Logged & { path: string; method: string }>;
      throw new Error(
        `the backup did not come to rest (last calls: ${tail.map((r) => `${r.method} ${r.path} ${r.status}`).join('; ')}): ${last - initial} calls; now ${new Date(simNow).toISOString()}; ${unsettled.join(', ')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The most requests of `sessions` in flight at once, from the simulator's request log. */
function maxOverlap(log: Logged[]): number {
  const events = log.flatMap((r) => [
    { at: r.startedAt, d: 1 },
    { at: r.endedAt ?? Date.now(), d: -1 },
  ]);
  events.sort((a, b) => a.at - b.at || a.d - b.d); // an end before a start at the same millisecond
  let now = 0;
  let most = 0;
  for (const e of events) {
    now += e.d;
    most = Math.max(most, now);
  }
  return most;
}

describe('the API budget in continuous backup', () => {
  let s: SchedulerStack | undefined;
  after(() => s?.close());

  test('the daily limit reached mid-backfill: stops under the share, waits, resumes when the day rolls', async () => {
    s = await startSchedulerStack({ sim: { seed: 'none' } });
    // A small allowance: the service may use half of it (100 calls) a rolling day, less than the backfill needs.
    const SERVICE_CALLS = 100;
    await s.admin('limits', { dailyApiRequests: 2 * SERVICE_CALLS });
    // A backlog: Attachment is not in Bulk API 2.0, and REST slices of one row cost a call each.
    await createAttachments(s, 100);
    await updateOrgSettings(s.db.knex, s.sim.orgId, { mode: 'objects_only' }); // records only: no file bodies
    await startScheduler(s, { workers: 4, perOrg: 4 });
    const ctx = s.app;

    let days = 0;
    let waited = 0;
    for (;;) {
      const rest = await atRest(s);
      const usage = await simUsage(s);
      assert.ok(
        usage.used <= SERVICE_CALLS,
        `day ${days}: the service made ${usage.used} calls, more than its ${SERVICE_CALLS}`,
      );
      if (rest === 'caught-up') break;
      waited += 1;
      const dashboard = await getDashboard(ctx, s.sim.orgId);
      assert.ok(dashboard.api.waitingForBudgetUntil, 'the dashboard says until when the backup waits');
      assert.equal(dashboard.api.serviceMax, SERVICE_CALLS);
      assert.ok(
        dashboard.api.serviceUsed > 0 && dashboard.api.serviceUsed <= SERVICE_CALLS,
        String(dashboard.api.serviceUsed),
      );
      const until = Date.parse(dashboard.api.waitingForBudgetUntil);
      const simNow = s.sim.org.clock.nowMs();
      assert.ok(
        until > simNow && until <= simNow + DAY + 60_000,
        `waits until ${dashboard.api.waitingForBudgetUntil}, now ${new Date(simNow).toISOString()}`,
      );
      const listed = await listObjects(ctx, s.sim.orgId, { limit: 200 });
      const waiting = listed.items.filter((i) => i.waitingFor === 'api-budget');
      assert.ok(waiting.length > 0, 'objects say they wait for the API budget');
      assert.ok(waiting.every((i) => i.status === 'Waiting'));
      assert.ok(days < 8, 'the backup completes within a few simulated days');
      // The simulated day rolls: the allowance frees, and the backup goes on by itself.
      await s.moveClock(DAY);
      days += 1;
    }
    assert.ok(waited > 0, 'the allowance ran out at least once');
    const refused = (await requests(s)).filter((r) => r.status === 403);
    assert.equal(refused.length, 0, 'Salesforce never had to refuse a call');
    const objects = (await s.activeObjects()).map((o) => o.name);
    assert.deepEqual(await truthMismatches(s.sim, s.store, objects, LAG_MS), []);
    const dashboard = await getDashboard(ctx, s.sim.orgId);
    assert.equal(dashboard.api.waitingForBudgetUntil, null);
    assert.equal(dashboard.errors.open, 0, 'waiting for the budget is no error');
  });

  test('two schedulers share one budget within 1 %, and never have more requests in flight than the cap', async () => {
    await s?.close();
    s = undefined;
    s = await startSchedulerStack({ sim: { seed: 'none' } });
    await startScheduler(s, { workers: 3, perOrg: 3 });
    await startScheduler(s, { workers: 3, perOrg: 3 });
    assert.equal(await atRest(s), 'caught-up');
    // A new day with max 400 and share 0.5: the service may make 200 calls; 300 new records read one a call need
    // more. They are spread over six objects, so the two schedulers' six workers all want the org at once, and
    // each call takes 40 ms: the per-org cap, not a lack of work, is what holds them back.
    await s.moveClock(DAY);
    await s.admin('limits', { dailyApiRequests: 400 });
    await s.admin('faults', { rules: [{ path: '/query', action: 'delay', delayMs: 40 }] });
    const backlog: Array<[string, (i: number) => Record<string, unknown>]> = [
      ['Account', (i) => ({ Name: `Budget ${i}` })],
      ['Contact', (i) => ({ LastName: `Budget ${i}` })],
      ['Lead', (i) => ({ LastName: `Budget ${i}`, Company: 'Budget' })],
      ['Case', (i) => ({ Subject: `Budget ${i}` })],
      ['Campaign', (i) => ({ Name: `Budget ${i}` })],
      ['Task', (i) => ({ Subject: `Budget ${i}` })],
    ];
    for (const [object, make] of backlog)
      await s.createRecords(
        object,
        Array.from({ length: 50 }, (_, i) => make(i)),
      );
    await s.moveClock(10 * 60_000); // past the lag and the poll interval
    assert.equal(await atRest(s, 4000, 240_000), 'waiting');
    const usage = await simUsage(s);
    // The backlog's reads (a delta larger than a slice is a backlog) stop at the share less the checks' reserve
    // (5 %: 10 calls); the checks may spend the reserve, and nothing goes past the share.
    assert.ok(usage.used >= 190 && usage.used <= 200, `the service made ${usage.used} calls of its 200`);
    const log = await requests(s);
    assert.equal(log.filter((r) => r.status === 403).length, 0);
    const inFlight = maxOverlap(log);
    // Object jobs per org, the org's change check, its schema scan (describes in /composite calls, one at a time).
    const cap = 3 + 1 + 1;
    assert.ok(inFlight <= cap, `${inFlight} requests in flight at most (cap ${cap})`);
    assert.ok(inFlight >= 3, `the workers pressed against the cap (${inFlight} in flight at most)`);
  });
});
