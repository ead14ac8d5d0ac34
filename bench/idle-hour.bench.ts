/**
 * What continuous backup costs an idle org (issue #15): Salesforce API calls per simulated hour over ~500 objects,
 * counted by the org simulator's request log, describes (the hourly schema scan) apart from the rest.
 * Goal: ≤ 25 calls per idle hour besides describes.
 *
 * - Org: one simulated org (test/sf-sim, in process) with the `small` data set (its standard objects include ones
 *   that are not replicateable — ContentVersion, ContentDocument, the Share objects — and ones stamped by
 *   CreatedDate, the History objects: both are checked through queries) plus custom objects up to OBJECTS
 *   objects in all, every tenth with a few records, the rest empty. The data is a day old when the backup starts.
 * - Service: the real BackupScheduler (pg-boss queues, workers, change checks) on a fresh database on the
 *   project's embedded PostgreSQL (home `.autobackup-bench/idle-hour/`) and a filesystem bucket, continuous
 *   schedule, default engine options. The simulated clock moves in STEP-minute steps; after each, the scheduler
 *   ticks and the bench waits until no job is queued or running.
 * - Phases: the backfill (everything backed up), WARMUP simulated hours for the cadence to settle, then one
 *   measured idle hour, then one hour with light churn (CHURN objects each changed a few times).
 *
 * `npm run bench -- idle-hour [--objects 500] [--churn 5] [--warmup 2] [--step 5]`
 * (or BENCH_IDLE_OBJECTS, BENCH_IDLE_CHURN, BENCH_IDLE_WARMUP, BENCH_IDLE_STEP).
 *
 * Figures (2026-12-03, defaults: 500 objects, 486 backed up, 80-odd holding records): every idle hour 25 calls
 * besides 1 describe (23 /composite calls carrying ~485 getUpdated or query checks and the hourly getDeleted of the
 * objects holding records, and 2 queries of ContentDocumentLink, which is read through its parents' Ids and cannot
 * be checked); an hour with 5 objects changing 3 times each: 35 (+5 slices of a query and a getDeleted each).
 * Before the change checks, every caught-up object cost a slice every 5 minutes (a query, and getDeleted every
 * 15 minutes): ~5,800 queries an hour alone, plus ~490 describes.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerOrg } from '../service/src/backup/org-registration.js';
import { loadConfig } from '../service/src/config.js';
import { BackupScheduler } from '../service/src/jobs/backup-scheduler.js';
import { createLogger } from '../service/src/logger.js';
import { createMetrics } from '../service/src/metrics.js';
import { createKnex, type Knex } from '../service/src/store/db/knex.js';
import { migrateToLatest } from '../service/src/store/db/migrate.js';
import { setOrgEnabled } from '../service/src/store/orgs/org-repository.js';
import { acquireEmbeddedPostgres } from '../service/src/store/postgres/embedded-server.js';
import { startSimulator, type Simulator } from '../test/sf-sim/src/index.js';
import { freshBenchDatabase } from './support/bench-database.js';
import type { BenchResult } from './bench-result.js';
import { benchCount, readBenchFlags } from './support/bench-flags.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DATA_DIR = path.join(root, '.autobackup-bench', 'idle-hour');
const GOAL_PER_HOUR = 25;
const HOUR = 3600_000;
const MIN = 60_000;
const logger = createLogger('warn');
const say = (line: string) => console.error(line);

interface Options {
  objects: number;
  churn: number;
  warmupHours: number;
  stepMinutes: number;
}

function readOptions(): Options {
  const flags = readBenchFlags();
  const pick = (name: string, env: string, fallback: string, min = 1) =>
    benchCount(flags.pick(name, env) ?? fallback, `--${name}`, min);
  return {
    objects: pick('objects', 'BENCH_IDLE_OBJECTS', '500'),
    churn: pick('churn', 'BENCH_IDLE_CHURN', '5', 0),
    warmupHours: pick('warmup', 'BENCH_IDLE_WARMUP', '2', 0),
    stepMinutes: pick('step', 'BENCH_IDLE_STEP', '5'),
  };
}

/** Describes (the schema scan) or the rest, from a logged request's path. */
function isDescribe(pathname: string): boolean {
  const rest = pathname.replace(/^\/services\/data\/v\d+\.\d/, '');
  return /^\/sobjects\/?$/.test(rest) || /^\/sobjects\/[^/]+\/describe\/?$/.test(rest);
}

function kindOf(pathname: string): string {
  const rest = pathname.replace(/^\/services\/data\/v\d+\.\d/, '');
  if (isDescribe(pathname)) return /^\/sobjects\/?$/.test(rest) ? 'describeGlobal' : 'describe';
  if (/^\/composite\/?$/.test(rest)) return 'composite';
  if (/\/deleted\/?$/.test(rest)) return 'getDeleted';
  if (/\/updated\/?$/.test(rest)) return 'getUpdated';
  if (/^\/query(All)?\//.test(rest)) return 'query';
  return rest.split('/').slice(0, 2).join('/') || 'other';
}

interface HourCount {
  describes: number;
  rest: number;
  byKind: Map<string, number>;
}

/** Waits until no job of the backup queues is queued or running (twice in a row, a tick apart). */
async function queueIdle(knex: Knex): Promise<void> {
  let quiet = 0;
  for (;;) {
    const { rows } = await knex.raw<{ rows: Array<{ n: string }> }>(
      `SELECT count(*) AS n FROM pgboss.job
        WHERE name IN ('backup-object', 'backup-check', 'backup-scan', 'store-maintenance') AND state <= 'active'`,
    );
    quiet = Number(rows[0]!.n) === 0 ? quiet + 1 : 0;
    if (quiet >= 2) return;
    await new Promise((r) => setTimeout(r, 300));
  }
}

export async function run(): Promise<BenchResult[]> {
  const options = readOptions();
  say(
    `idle-hour: ${options.objects} objects, ${options.warmupHours} h warm-up, ${options.stepMinutes}-minute steps, ` +
      `${options.churn} objects churning in the last hour`,
  );
  mkdirSync(DATA_DIR, { recursive: true });
  const runDir = path.join(DATA_DIR, 'run');
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const postgres = await acquireEmbeddedPostgres({ home: DATA_DIR, logger, database: 'postgres' });
  const database = 'idle_hour';
  let knex: Knex | undefined;
  let sim: Simulator | undefined;
  let scheduler: BackupScheduler | undefined;
  try {
    const databaseUrl = await freshBenchDatabase(postgres.url, database);
    knex = createKnex(databaseUrl, { poolMax: 8 });
    await migrateToLatest(knex);

    sim = await startSimulator({ seed: 'small', dailyApiRequests: 10_000_000 });
    const s = sim;
    const existing = (s.org.describeGlobal().body as { sobjects: unknown[] }).sobjects.length;
    const custom = Math.max(0, options.objects - existing);
    for (let i = 0; i < custom; i++) {
      const object = `Idle${String(i).padStart(4, '0')}__c`;
      s.org.addSchema({ object, fields: [{ name: 'Note__c', type: 'string' }] });
      if (i % 10 === 0)
        s.org.mutate({
          object,
          ops: [{ op: 'create', records: [1, 2, 3].map((n) => ({ Name: `${object} ${n}` })) }],
        });
    }
    // The org's data is a day old when its backup starts.
    s.org.clock.advance(24 * HOUR);

    const masterKey = randomBytes(32);
    await registerOrg(
      {
        instanceUrl: s.url,
        loginUrl: s.url,
        clientId: s.clientId,
        privateKey: readFileSync(s.privateKeyPath, 'utf8'),
        username: s.username,
      },
      { knex, masterKey, logger },
    );
    await setOrgEnabled(knex, s.orgId);
    const config = loadConfig({
      AUTOBACKUP_HOME: runDir,
      AUTOBACKUP_MASTER_KEY: masterKey.toString('hex'),
      DATABASE_URL: databaseUrl,
    });
    scheduler = new BackupScheduler(
      { config, knex, databaseUrl, logger, metrics: createMetrics({ processMetrics: false }) },
      // The bench ticks by itself after every clock step (the cron's own ticks change nothing in between).
      { workers: 4, perOrg: 4, tickSeconds: 59, clockProbeMs: 0, stopTimeoutMs: 30_000, engine: {} },
    );
    await scheduler.start();
    const k = knex;
    const sched = scheduler;
    const step = async (ms: number) => {
      s.org.clock.advance(ms);
      await sched.tick();
      await queueIdle(k);
      // A slice or check may leave work due at once (a change found): one more tick settles it.
      await sched.tick();
      await queueIdle(k);
    };
    const hour = async (during?: (minute: number) => void): Promise<HourCount> => {
      const since = s.context.requests.list(0).next;
      for (let minute = 0; minute < 60; minute += options.stepMinutes) {
        during?.(minute);
        await step(options.stepMinutes * MIN);
      }
      const byKind = new Map<string, number>();
      let describes = 0;
      let rest = 0;
      for (const r of s.context.requests.list(since).requests) {
        const kind = kindOf(r.path);
        byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
        if (isDescribe(r.path)) describes += 1;
        else rest += 1;
      }
      return { describes, rest, byKind };
    };
    const show = (name: string, h: HourCount) =>
      say(
        `  ${name}: ${h.rest} calls besides ${h.describes} describes — ` +
          [...h.byKind.entries()]
            .sort((a, b) => b[1] - a[1])
            .map(([kind, n]) => `${kind} ${n}`)
            .join(', '),
      );

    // The backfill: the first tick scans, then every object is backed up.
    const t = performance.now();
    await step(3 * MIN);
    for (let i = 0; i < 5; i++) await step(MIN);
    const counts = await k('objects')
      .where({ org_id: s.orgId })
      .select<Array<{ support: string; detail: { deletes?: string; cursorField?: string } | null }>>(
        'support',
        'support_detail as detail',
      );
    const supported = counts.filter((c) => c.support === 'supported');
    const queried = supported.filter(
      (c) => c.detail?.deletes !== 'get-deleted' || c.detail?.cursorField !== 'SystemModstamp',
    );
    say(
      `  backfill: ${counts.length} objects, ${supported.length} backed up (${queried.length} checked through a query) ` +
        `in ${((performance.now() - t) / 1000).toFixed(0)} s`,
    );

    const first = await hour();
    show('first hour after the backfill', first);
    for (let h = 1; h < options.warmupHours; h++) show(`hour ${h + 1}`, await hour());
    const idle = await hour();
    show('idle hour', idle);

    // Light churn: CHURN objects with records, each changed at a few moments of the hour.
    const churned = Array.from(
      { length: options.churn },
      (_, i) => `Idle${String(i * 10).padStart(4, '0')}__c`,
    ).filter((o) => i0(o) < custom);
    const churn = await hour((minute) => {
      if (minute % 20 !== 5) return;
      for (const object of churned) {
        const ids = s.org.query(`SELECT Id FROM ${object} LIMIT 1`).records.map((r) => String(r.Id));
        s.org.mutate({ object, ops: [{ op: 'update', ids, set: { Note__c: `minute ${minute}` } }] });
      }
    });
    show(`hour with ${churned.length} objects changing 3 times`, churn);

    return [
      {
        name: `API calls per idle hour over ${supported.length} objects, describes aside`,
        value: idle.rest,
        unit: 'calls',
        goal: `≤ ${GOAL_PER_HOUR} calls`,
        met: idle.rest <= GOAL_PER_HOUR,
      },
      { name: 'describes per idle hour (hourly schema scan)', value: idle.describes, unit: 'calls' },
      {
        name: 'API calls in the first hour after the backfill, describes aside',
        value: first.rest,
        unit: 'calls',
      },
      {
        name: `API calls in an hour with ${churned.length} objects changing, describes aside`,
        value: churn.rest,
        unit: 'calls',
      },
      ...[...idle.byKind.entries()].map(([kind, n]) => ({
        name: `idle hour: ${kind}`,
        value: n,
        unit: 'calls',
      })),
    ];
  } finally {
    await scheduler?.stop();
    await sim?.close();
    await knex?.destroy();
    await postgres.release();
  }
}

/** The number in a bench object's name (Idle0040__c → 40). */
function i0(object: string): number {
  return Number(/\d+/.exec(object)?.[0] ?? 0);
}
