/**
 * The scheduler end to end (the org simulator, embedded PostgreSQL, a filesystem bucket, the real pg-boss queues
 * and node-cron tick) while a user changes the settings: an object excluded while it backfills stops within
 * seconds and shows Excluded, and resumes from its cursor when the exclusion is lifted; on the daily schedule,
 * with the simulated clock moved over two days, every object is worked exactly once a day, at a time of its own.
 *
 * What ran is seen from outside the scheduler's decisions: the slice lines it logs, the simulator's request log
 * (which object each API request touched) and a fault rule that counts the queries it matches. Both tests run on
 * one stack: the daily test starts from the backup the exclusion test completed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import type { LoggedRequest } from '../../../test/sf-sim/src/http/request-log.js';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import { listObjects } from '../../src/app/dashboard.js';
import { changeSettings } from '../../src/app/settings.js';
import type { EngineOptions } from '../../src/backup/engine-context.js';
import { DAY_MS, dailySlotMs, dueWork } from '../../src/jobs/due-work.js';
import type { Logger } from '../../src/logger.js';
import { findOrg } from '../../src/store/orgs/org-repository.js';
import { getRegistryObject } from '../../src/store/registry/object-registry.js';
import { readScheduleSnapshot } from '../../src/store/schedule/schedule-state.js';
import { recordHistory } from '../../src/store/versions/version-reader.js';
import { indexMismatches } from '../support/index-check.js';
import { startSchedulerStack, waitFor, type SchedulerStack } from '../support/scheduler-fixture.js';

const LAG_MS = 120_000;
const HOUR = 3600_000;
const BIG = 'Bench__c';
const ACTOR = { source: 'cli', id: null, name: 'e2e' } as const;

/**
 * A line the scheduler logs for each slice it worked (`type: 'object-slice'`), or an object its batched change
 * check (`type: 'change-check'`) found with nothing new, which needs no slice (`checked`).
 */
interface SliceLine {
  object: string;
  written: number;
  complete: boolean;
  skipped?: string;
  checked?: true;
}

/** A scheduler stack whose scheduler logs its slices here. */
interface Environment extends SchedulerStack {
  /** Every slice the scheduler worked, and every object a change check settled, in order. */
  slices: SliceLine[];
}

/** A logger that keeps the scheduler's slice lines. */
function sliceRecorder(slices: SliceLine[]): Logger {
  return pino(
    { level: 'info' },
    {
      write(line: string) {
        const entry = JSON.parse(line) as SliceLine & {
          type?: string;
          checked?: string[];
          sliced?: string[];
        };
        if (entry.type === 'object-slice') slices.push(entry);
        if (entry.type === 'change-check')
          for (const object of entry.checked ?? [])
            if (!entry.sliced?.includes(object))
              slices.push({ object, written: 0, complete: true, checked: true });
      },
    },
  );
}

/** A simulated org, a database and a running scheduler (a one-second tick) backing the org up. */
async function startEnvironment(
  options: { records?: number; faults?: unknown[]; engine?: Partial<EngineOptions>; workers?: number } = {},
): Promise<Environment> {
  const slices: SliceLine[] = [];
  const stack = await startSchedulerStack({
    sim: options.records ? { records: options.records } : {},
    async prepare(sim) {
      sim.org.clock.advance(5 * 60_000); // the seeded history falls outside the lag window
      if (options.faults) await simAdmin(sim, 'POST', 'faults', { rules: options.faults });
    },
    env: { AUTOBACKUP_LAG_SECONDS: String(LAG_MS / 1000) },
    logger: sliceRecorder(slices),
  });
  await stack.startScheduler({
    workers: options.workers ?? 4,
    perOrg: options.workers ?? 4,
    ...(options.engine ? { engine: options.engine } : {}),
  });
  return Object.assign(stack, { slices });
}

/** Changes settings as the API and the CLI do (validated, versioned, exclusions applied to the objects). */
async function changeSetting(env: Environment, change: Record<string, unknown>): Promise<void> {
  const org = (await findOrg(env.db.knex, env.sim.orgId))!;
  await changeSettings(env.app, org.orgId, change, { basedOn: org.settingsVersion, actor: ACTOR });
}

type RequestLog = { requests: LoggedRequest[]; next: number; dropped: number };
const requestLog = async (env: Environment, since = 0, object?: string): Promise<RequestLog> =>
  (await simAdmin(
    env.sim,
    'GET',
    `requests?since=${since}${object ? `&object=${encodeURIComponent(object)}` : ''}`,
  )) as RequestLog;

/** How many times the fault rule matching `pathPattern` is still to fire. */
async function faultRemaining(env: Environment, pathPattern: string): Promise<number> {
  const { rules } = (await simAdmin(env.sim, 'GET', 'faults')) as {
    rules: Array<{ path: string; remaining: number | null }>;
  };
  return rules.find((r) => r.path === pathPattern)?.remaining ?? 0;
}

/** Object jobs queued or running in pg-boss (one object's, or all). */
async function objectJobs(env: Environment, object?: string): Promise<number> {
  const rows = await env.db
    .knex('pgboss.job')
    .where({ name: 'backup-object' })
    .whereIn('state', ['created', 'retry', 'active'])
    .modify((q) => (object ? q.andWhere('singleton_key', `${env.sim.orgId}/${object}`) : q))
    .count<Array<{ n: string }>>({ n: '*' });
  return Number(rows[0]!.n);
}

/** Moves the org's clock to `orgTime`, then waits until the scheduler has worked everything that fell due. */
async function stepTo(env: Environment, orgTime: number): Promise<void> {
  await env.moveClock(orgTime - env.sim.org.clock.nowMs());
  // The scheduler has seen the new time …
  await env.clockSeen();
  await waitFor(
    'the scheduler to work what the new time made due',
    async () => {
      const snapshot = await readScheduleSnapshot(env.db.knex);
      // … and nothing is due or queued any more.
      const due = dueWork(snapshot, {
        lagMs: LAG_MS,
        pollIntervalMs: 5 * 60_000,
        scanIntervalMs: HOUR,
        maintenanceIntervalMs: HOUR,
      }).filter((w) => w.kind === 'object');
      return due.length === 0 && (await objectJobs(env)) === 0 ? true : undefined;
    },
    60_000,
  );
}

/** Whether org time passed `slot` (ms after midnight) in (from, to]. */
function passedSlot(from: number, to: number, slot: number): boolean {
  const first = Math.floor(from / DAY_MS) * DAY_MS + slot;
  const next = first > from ? first : first + DAY_MS;
  return next <= to;
}

const ROWS = 6000;
// Every query of the big object is slowed, so its backfill takes a few slices (7 s each; a running slice asks every
// 5 s whether to stop); the first rule (tried first) also counts the queries that start from the beginning (no
// cursor).
const FROM_SCRATCH = `FROM%20${BIG}%20WHERE%20SystemModstamp%20%3C%3D`;
let env: Environment;

before(async () => {
  env = await startEnvironment({
    records: ROWS,
    faults: [
      { path: FROM_SCRATCH, action: 'delay', delayMs: 400, count: 1000 },
      { path: `FROM%20${BIG}%20`, action: 'delay', delayMs: 400 },
    ],
    engine: { restSliceSize: 200, sliceBudgetMs: 7000 },
    workers: 8,
  });
});

after(() => env?.close());

describe('settings changes under the scheduler', () => {
  test('an exclusion added mid-backfill stops the object within seconds; lifting it resumes from the cursor', async (t) => {
    const knex = env.db.knex;
    const big = async () => (await getRegistryObject(knex, env.sim.orgId, BIG))!;
    const lease = async () =>
      (await knex('objects')
        .where({ org_id: env.sim.orgId, name: BIG })
        .first<{ running_lease: string | null }>('running_lease'))!.running_lease;

    // Exclude it while a slice runs, with some of it stored.
    await waitFor('the big object backfilling', async () =>
      ((await getRegistryObject(knex, env.sim.orgId, BIG))?.versions ?? 0) >= 600 && (await lease()) !== null
        ? true
        : undefined,
    );
    const fromScratch = await faultRemaining(env, FROM_SCRATCH);
    assert.ok(fromScratch < 1000, 'the first slice started from the beginning (the counting rule matches)');
    const excludedAt = Date.now();
    await changeSetting(env, { exclusions: [BIG] });

    // The running slice stops at its next safe point and lets go of the object.
    await waitFor(
      'the running slice to stop',
      async () => ((await lease()) === null ? true : undefined),
      15_000,
    );
    const stoppedAfterMs = Date.now() - excludedAt;
    assert.ok(stoppedAfterMs < 15_000, `stopped ${stoppedAfterMs} ms after the exclusion`);
    t.diagnostic(`the running slice stopped ${stoppedAfterMs} ms after the exclusion`);
    const stopped = await big();
    assert.equal(env.slices.filter((s) => s.object === BIG).at(-1)?.complete, false, 'its slice ended early');
    assert.equal(stopped.backfillCompletedAt, null, 'the backfill was not finished');
    assert.ok(stopped.versions > 0 && stopped.versions < ROWS, `part of it stored (${stopped.versions})`);
    assert.ok(stopped.cursor, 'its cursor kept');

    // Nothing more reaches the org for it: let the tick run a few times and any queued successor be taken.
    const { next: seenUpTo } = await requestLog(env);
    const since = await env.dbNow();
    await waitFor('three ticks and an empty queue for the object', async () =>
      (await env.ticksSince(since)) >= 3 && (await objectJobs(env, BIG)) === 0 ? true : undefined,
    );
    const after = await requestLog(env, seenUpTo, BIG);
    assert.deepEqual(
      after.requests.map((r) => `${r.method} ${r.path}`),
      [],
      'no request for the excluded object after its slice stopped',
    );
    assert.equal(await lease(), null, 'no slice took it up again');

    // The object list shows it Excluded, with what was stored kept.
    const listed = await listObjects(env.app, env.sim.orgId, { q: BIG });
    assert.equal(listed.items.length, 1);
    assert.equal(listed.items[0]!.status, 'Excluded');
    assert.equal(listed.items[0]!.versions, stopped.versions, 'the stored versions are kept');
    const firstRow = env.sim.org.truth(BIG)[Symbol.iterator]().next().value as { Id: string };
    assert.equal((await recordHistory(env.app.store, env.sim.orgId, BIG, firstRow.Id)).length, 1);

    // Lifted: it goes on from its cursor (no query from the beginning) and finishes with everything.
    await changeSetting(env, { exclusions: [] });
    await waitFor(
      'the big object to finish its backfill',
      async () => ((await big()).backfillCompletedAt && (await big()).caughtUpAt ? true : undefined),
      60_000,
    );
    assert.equal(await faultRemaining(env, FROM_SCRATCH), fromScratch, 'resumed from its cursor');
    const index = await indexMismatches(env.sim, knex, BIG);
    assert.deepEqual(
      { missing: index.missing.slice(0, 5), unexpected: index.unexpected.slice(0, 5) },
      { missing: [], unexpected: [] },
      'every row stored, and nothing else',
    );
    assert.equal(index.stored, ROWS, 'each row stored once');
    const listedAgain = await listObjects(env.app, env.sim.orgId, { q: BIG });
    assert.ok(
      ['Waiting', 'Running'].includes(listedAgain.items[0]!.status),
      `backed up, no longer excluded (${listedAgain.items[0]!.status})`,
    );
    assert.equal(listedAgain.items[0]!.versions, ROWS);
  });

  test('daily mode works each object once per simulated day, at its own time, and catches the day’s new records', async () => {
    const objects = (await env.everyObjectCaughtUp()).map((o) => o.name).sort();
    await changeSetting(env, { schedule: 'daily' });

    // Each simulated day starts just after midnight (org time) and passes in six 4-hour steps.
    const STEP = 4 * HOUR;
    const orgNow = () => env.sim.org.clock.nowMs();
    await stepTo(env, Math.ceil(orgNow() / DAY_MS) * DAY_MS + 60_000);
    // The day's new record is an Account: its time of day (a hash of org and name) leaves steps before it.
    const accountSlot = dailySlotMs(env.sim.orgId, 'Account');
    assert.ok(accountSlot > STEP, 'Account is due after the first step of the day');
    const captured = async (id: string) =>
      (await recordHistory(env.store, env.sim.orgId, 'Account', id)).length > 0;

    for (let day = 1; day <= 2; day++) {
      const dayFirstSlice = env.slices.length;
      const id = (await env.createRecords('Account', [{ Name: `Made on day ${day}` }]))[0]!;
      let accountWorked = false;
      for (let step = 0; step < DAY_MS / STEP; step++) {
        const from = orgNow();
        const firstSlice = env.slices.length;
        await stepTo(env, from + STEP);
        const worked = env.slices.slice(firstSlice).filter((s) => !s.skipped);
        for (const s of worked)
          assert.ok(
            passedSlot(from, orgNow(), dailySlotMs(env.sim.orgId, s.object)),
            `day ${day}: ${s.object} worked at its own time of day`,
          );
        accountWorked ||= worked.some((s) => s.object === 'Account');
        assert.equal(
          await captured(id),
          accountWorked,
          `day ${day}, step ${step + 1}: the new record is in the backup only after Account's daily run`,
        );
      }
      const perObject = new Map<string, number>();
      for (const s of env.slices.slice(dayFirstSlice).filter((s) => !s.skipped))
        perObject.set(s.object, (perObject.get(s.object) ?? 0) + 1);
      assert.deepEqual(
        Object.fromEntries(perObject),
        Object.fromEntries(objects.map((o) => [o, 1])),
        `day ${day}: every object checked or worked exactly once`,
      );
    }
  });
});
