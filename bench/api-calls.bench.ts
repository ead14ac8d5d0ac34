/**
 * What a backup costs in Salesforce API calls (issue #15): API calls per million records on a realistic mix,
 * counted by the org simulator (its daily-limit counter, and its request log for the breakdown by kind).
 * Goal: ≤ 30 calls per million records over the whole run (backfill and deltas).
 *
 * - Org: one simulated org (test/sf-sim, in a process of its own: bench/support/sim-process.ts) with the `demo`
 *   data set (~50,000 records over ~42 objects, from 6,000 Contacts down to single rows), medium objects grown to
 *   skewed sizes (Lead +MEDIUM/3, Task +MEDIUM/2, Case +MEDIUM/6 records) and Bench__c with RECORDS rows: one
 *   large object, a few medium, many small.
 * - Store: a fresh database on the project's embedded PostgreSQL (home `.autobackup-bench/api-calls/`) and a
 *   filesystem bucket. Engine: `runBackupPass` (what `autobackup backup` runs) with the default engine options,
 *   the org in mode Objects only (file bodies have a budget share of their own; any that are fetched are
 *   counted apart, as `file body`).
 * - Phase "backfill": the org's clock passes the lag, then one pass backs everything up (all objects complete).
 * - Phase "delta": CHANGES changes (updates, creates, soft deletes) spread over Account, Contact, Lead, Task, Case
 *   and Bench__c, then PASSES incremental passes, each after the clock has moved past the lag.
 * - Reported: calls per million records written, per phase and in all, and the calls by kind (describeGlobal,
 *   describe, query first pages, query next pages, Bulk create / poll / results / delete, getDeleted, limits, …).
 *
 * `npm run bench -- api-calls [--records 1m] [--medium 300k] [--changes 3000] [--passes 2] [--page-mib 64] [--detail]`
 * (or BENCH_CALLS_RECORDS, BENCH_CALLS_MEDIUM, BENCH_CALLS_CHANGES, BENCH_CALLS_PASSES).
 *
 * Figures (2026-12-03, defaults: 1,350,015 records backed up — Bench__c 1,000,000, Lead 100,000, Task 150,000,
 * Case 50,000 and the demo set — then 3,000 changes over 2 passes; a 2-core machine other work kept busy):
 * - Before the changes it measures: backfill 235 calls (174 per million), of which record reads 150 (111/M): query 102
 *   (a COUNT() and a slice per object), next pages 8, Bulk create 4, poll 17, results pages 15 (100,000 rows
 *   each), DELETE 4; besides, describes 49 and getDeleted 36. Deltas 274 calls (query 104, describes 98,
 *   getDeleted 72). In all 376 calls per million.
 * - After (REST probe instead of COUNT(), Bulk from 10,000 rows, windows placed without a binary search, polls
 *   backing off to 30 s, pages of ~64 MiB, no DELETE; describes meanwhile batched in /composite by the schema
 *   scan): backfill 143 calls (106/M), record reads 101 (75/M): query 57 (one per object), next pages 8, Bulk
 *   create 4, poll 21 (the 1M-row job ran minutes on the loaded machine), results pages 11; besides, getDeleted 36,
 *   describes 6. Deltas 182 calls (query 104: one per object and pass; getDeleted 72). In all 240 calls per
 *   million: the goal (≤ 30) is missed. The large object alone costs ~16-20 calls per million (REST probe 1,
 *   create 1, polls 7-11 as the job takes 1-3 min, pages 7), where the issue measured 71. What is left is
 *   per-object: a first query per object in the backfill, and a query and a getDeleted per object and pass in the
 *   deltas — batched change checks and polling that follows each object's change rate are the way down (they are
 *   the adaptive-polling part of issue #15).
 * - Then (2026-12-03, the same defaults, measured on a quiet machine, one run each step): a pass reads its objects'
 *   first slices 5 to a `/composite` call with the getDeleted each run asks riding along (first-slices.ts; a
 *   caught-up object's first slice is its overlap re-read, empty when idle): backfill 142 → 76, deltas 183 → 43
 *   (240 → 88 per million). Bulk results pages streamed and 256 MiB each, a large job's first poll later: backfill
 *   58 (results pages 20 → 5). getDeleted ids settled from what the backup holds (a query only for ids held as
 *   live): backfill 53 calls (39/M: composite 11, query 12, next pages 8, Bulk create 4, poll 12, results 5,
 *   describeGlobal 1), deltas 30 (composite 22: 11 a pass, 57 objects at 5 queries a call; query 6; describeGlobal
 *   2). In all **61 calls per million** (from 240): the goal (≤ 30) is still missed. What is left: the per-pass
 *   composites (exact reads up to now − lag need a query per object; getUpdated would need ~5 calls a pass but
 *   vouches only for whole minutes), the first-run Id reconciliations and parent-Id reads (query 12), the REST
 *   next pages of objects under the Bulk threshold (8) and Bulk polls (12). Peak RSS 617 MiB.
 * - Then (2026-12-03, session 10, the same defaults, a machine other work kept busy, `--detail` naming each call's
 *   objects): the pass asks its caught-up objects together whether anything changed or was deleted (getUpdated and
 *   getDeleted, 25 to a `/composite` call; change-check.ts) and runs only those with news; a getUpdated window ends
 *   at the first whole minute after now − lag, so an idle object is still claimed caught up to now − lag exactly. A
 *   pass's schema scan reads the last scan time from the store (a context kept across passes held a stale one and
 *   described every object each pass); describes fill their calls (50 asked at once). An object read whole from
 *   nothing needs no first Id reconciliation (history objects, files metadata: the queries 12 → 4). On a quiet
 *   machine: backfill 44 calls (33/M: composite 11 — 3 of describes, 8 of first slices —, Bulk polls 12, query
 *   next pages 7, results 5, query 4, Bulk create 4, describeGlobal 1), deltas 20 (10 a pass: 4 check composites
 *   for 57 objects — getUpdated and getDeleted of each object holding records, 5 queries a call for the objects
 *   getUpdated cannot check —, 2 of the changed objects' slices, ContentDocumentLink's 3 queries through its
 *   documents, describeGlobal). In all 47 calls per million (from 61). ContentDocumentLink's batches of parent Ids
 *   then went 5 to a `/composite` call (its 3 queries a pass → a query of the documents' Ids and one composite):
 *   backfill 44 (Bulk polls 13, the machine busy with a test run), deltas 18, in all **46 calls per million**: the
 *   goal (≤ 30) is still missed. What
 *   is left is per object and per job: one first read per object (5 to a call), next pages of objects under the
 *   Bulk threshold, Bulk polls that follow each job's run time. On this mix the documented limits alone put the
 *   floor above the goal, at about 31 per million: backfill 57 first reads at 5 a call (12), 4 Bulk jobs at ≥ 3
 *   calls (12), describes (4); per delta pass ≥ 3 check calls, 2 for the 6 changed objects' reads, 1 for
 *   ContentDocumentLink, describeGlobal. Peak RSS 619 MiB.
 * - Then (2026-12-03, session 11, the same defaults, a machine other work kept busy): the delta passes loop as
 *   `autobackup backup` does, scanning the schema only when the hourly cadence says (describeGlobal 2 → 0); the checks'
 *   calls carry in their spare query slots the first reads of the objects that changed most recently (instead of their
 *   checks: same subrequests, and a changed object needs no call of its own) and of the objects that run anyway, such as
 *   ContentDocumentLink's parent-Id query (pass-opening.ts); a probe whose LIMIT capped its totalSize asks the org's
 *   record counts once for every backfilling object (`/limits/recordCount`, 1 call), so Bulk windows keep their bound
 *   and a job's polls follow its expected rows and the org's pace learned from its earlier jobs (bulk-pace.ts; a job
 *   that has read every row expected is looked at again soon). Polls see a finished job as finished (the simulator's
 *   default shows each job InProgress to its first poll, a rule by count that adds a poll per job whatever the
 *   client's pacing): backfill 38 calls (28.1/M: composite 12 — 2 of describes, 9 of first slices, 1 of
 *   ContentDocumentLink's batches —, next pages 7, Bulk polls 7, results 5, create 4, describeGlobal, FieldDefinition,
 *   recordCount), deltas 11 (6 and 5: 4 check calls carrying the changed objects' reads, ContentDocumentLink's batch,
 *   one object found changed by its check), in all 36.2 calls per million (from 46). A first poll before the org's
 *   pace is known then waited ~60 ms per thousand expected rows (was 30, at most 30 s; now at most 5 minutes): Bulk
 *   polls 7 → 4, one a job; backfill 35 calls (25.9/M), deltas 11, in all **34.0 calls per million**: the goal
 *   (≤ 30) is still missed. Then the next pages of reads that go on through REST rode in the pass's calls as
 *   QueryMore subrequests (queued as each page arrives, asked with the next call a run needs), so several objects'
 *   pages share a call (first-slices.ts): backfill 30 calls (22.2/M: composite 14, results 5, create 4, polls 4,
 *   describeGlobal, FieldDefinition, recordCount; no next page on its own), deltas 11, in all **30.3 calls per
 *   million** (41 calls; ≤ 30 needs 40): the goal is missed by one call. What is left: per delta pass 4 check calls
 *   (78 subrequests for ~40 objects, 3 more than three calls hold) and ContentDocumentLink's batch; in the first
 *   pass an object its check found changed (Bench__c, older than the objects read in the checks' spare slots) cost a
 *   call of its own, which ContentDocumentLink's batch queries could have shared had they gone through the same
 *   stream of calls; Bench__c's results came in 2 pages of ≤ 256 MiB. Then User and Organization, whose records
 *   Salesforce never deletes, stopped asking getDeleted (76 check subrequests a pass, still one over three calls),
 *   and a Bulk job's last page of a quarter of a page or less joins the one before (Bench__c's second page is
 *   ~30 % of its first): the same 41 calls, 30.3 per million.
 * - Then (2026-12-03, session 12, the same defaults, a machine other work kept busy): ContentDocumentLink's batch
 *   queries go through the pass's stream of calls (first-slices.ts): the batches of the documents the backup holds
 *   ride with the query of the documents' Ids, and those of new documents are queued once that query answers, to
 *   ride in the next call a run needs. Backfill 29 calls (21.5/M: composite 13, results 5, create 4, polls 4,
 *   describeGlobal, FieldDefinition, recordCount), deltas 9 (5 and 4: ContentDocumentLink has no call of its own;
 *   the first pass's Bench__c, found changed by its check, is read in a call of its own), in all **28.1 calls per
 *   million** (38 calls): the goal (≤ 30) is met. Bulk polls follow how long the jobs take: a job slower than its
 *   pace expects (the machine busier) costs a poll more, 4-5 in the runs so far (at 5: 39 calls, 28.9/M).
 * - Peak RSS of the engine's process 850 MiB (pages cost ~4-5× their size while read: 478 MiB at
 *   `--page-mib 16`, 701 MiB at 64 on a 400,000-row Bench__c). The engine's default was then set to 32 MiB
 *   (~14 results calls per million rows instead of ~7): a replica reads one page per running worker.
 */
import { randomBytes } from 'node:crypto';
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBackupPass, type PassResult } from '../service/src/backup/backup-pass.js';
import { DEFAULT_ENGINE_OPTIONS, type EngineContext } from '../service/src/backup/engine-context.js';
import { connectOrg } from '../service/src/backup/org-connection.js';
import { registerOrg } from '../service/src/backup/org-registration.js';
import { createLogger } from '../service/src/logger.js';
import { FsBlobStore } from '../service/src/store/blob/fs-blob-store.js';
import { createKnex, type Knex } from '../service/src/store/db/knex.js';
import { migrateToLatest } from '../service/src/store/db/migrate.js';
import { findOrg, updateOrgSettings } from '../service/src/store/orgs/org-repository.js';
import { queryPages } from '../service/src/salesforce/rest-query.js';
import { acquireEmbeddedPostgres } from '../service/src/store/postgres/embedded-server.js';
import { freshBenchDatabase } from './support/bench-database.js';
import type { BenchResult } from './bench-result.js';
import { benchCount, readBenchFlags } from './support/bench-flags.js';
import type { SimProcessMessage, SimProcessOptions } from './support/sim-process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DATA_DIR = path.join(root, '.autobackup-bench', 'api-calls');
const GOAL_PER_MILLION = 30;
const logger = createLogger('warn');
const say = (line: string) => console.error(line);

interface Options {
  records: number;
  medium: number;
  changes: number;
  passes: number;
  /** Bulk results page size in MiB (the engine's `bulkPageBytes`; default: the engine's default). */
  pageMiB: number | null;
  /** Print, per kind of call, the objects each call touched. */
  detail: boolean;
}

function readOptions(): Options {
  const flags = readBenchFlags();
  const pick = (name: string, env: string, fallback: string) =>
    benchCount(flags.pick(name, env) ?? fallback, `--${name}`, 0);
  return {
    records: pick('records', 'BENCH_CALLS_RECORDS', '1m'),
    medium: pick('medium', 'BENCH_CALLS_MEDIUM', '300k'),
    changes: pick('changes', 'BENCH_CALLS_CHANGES', '3000'),
    passes: Math.max(1, pick('passes', 'BENCH_CALLS_PASSES', '2')),
    pageMiB:
      flags.pick('page-mib', 'BENCH_CALLS_PAGE_MIB') !== undefined
        ? pick('page-mib', 'BENCH_CALLS_PAGE_MIB', '64')
        : null,
    detail: flags.pick('detail', 'BENCH_CALLS_DETAIL') !== undefined,
  };
}

// ── the org ─────────────────────────────────────────────────────────────────────────────────────────

/** Medium objects: their share of MEDIUM and how a new record of each looks. */
const MEDIUM_OBJECTS: Array<[string, number, (i: number) => Record<string, unknown>]> = [
  ['Lead', 1 / 3, (i) => ({ LastName: `Lead ${i}`, Company: `Company ${i % 977}`, Status: 'Open' })],
  ['Task', 1 / 2, (i) => ({ Subject: `Call ${i}`, Status: 'Not Started', Priority: 'Normal' })],
  ['Case', 1 / 6, (i) => ({ Subject: `Case ${i}`, Status: 'New', Origin: 'Web' })],
];
const CHURNED = ['Account', 'Contact', 'Lead', 'Task', 'Case', 'Bench__c'];
const CREATE_CHUNK = 10_000;

/** The simulated org, in a process of its own (bench/support/sim-process.ts), driven by its admin API. */
interface SimHandle {
  url: string;
  orgId: string;
  clientId: string;
  privateKeyPath: string;
  username: string;
  child: ChildProcess;
  admin<T>(method: 'GET' | 'POST', pathname: string, body?: unknown): Promise<T>;
}

async function startSim(records: number, stateDir: string): Promise<SimHandle> {
  mkdirSync(stateDir, { recursive: true });
  const simOptions: SimProcessOptions = { seed: 'demo', seedValue: 'api-calls', records, stateDir };
  const log = openSync(path.join(stateDir, 'sim.log'), 'w');
  const child = fork(path.join(root, 'bench/support/sim-process.ts'), [JSON.stringify(simOptions)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', log, log, 'ipc'],
  });
  closeSync(log);
  const ready = await new Promise<SimProcessMessage>((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`the simulator exited (${code}); see ${stateDir}/sim.log`)),
    );
    child.once('message', (m: SimProcessMessage) => resolve(m));
  });
  const url = ready.start.url!;
  return {
    url,
    orgId: ready.start.orgId!,
    clientId: ready.start.clientId!,
    privateKeyPath: ready.start.privateKeyPath!,
    username: ready.start.username!,
    child,
    async admin<T>(method: 'GET' | 'POST', pathname: string, body?: unknown): Promise<T> {
      const res = await fetch(`${url}/__sim/${pathname}`, {
        method,
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} /__sim/${pathname}: ${res.status} ${text.slice(0, 300)}`);
      return JSON.parse(text) as T;
    },
  };
}

const advance = (sim: SimHandle, ms: number) => sim.admin('POST', 'clock', { advanceMs: ms });

/** Grows the medium objects in chunks an hour apart, as an org fills over time (not all in the overlap). */
async function grow(sim: SimHandle, medium: number): Promise<void> {
  for (const [object, share, make] of MEDIUM_OBJECTS) {
    const n = Math.round(medium * share);
    for (let done = 0; done < n; done += CREATE_CHUNK) {
      const records = Array.from({ length: Math.min(CREATE_CHUNK, n - done) }, (_, i) => make(done + i));
      await sim.admin('POST', 'mutate', { object, ops: [{ op: 'create', records }] });
      await advance(sim, 3600_000);
    }
  }
}

/** Ids of each churned object, read before the delta phase is measured (each round changes its own share). */
async function churnIds(ctx: EngineContext, perObject: number): Promise<Map<string, string[]>> {
  const ids = new Map<string, string[]>();
  for (const object of CHURNED) {
    const list: string[] = [];
    const soql = `SELECT Id FROM ${object} ORDER BY Id LIMIT ${perObject}`;
    for await (const page of queryPages<{ Id: string }>(ctx.session, soql, { batchSize: 2000 }))
      list.push(...page.records.map((r) => r.Id));
    ids.set(object, list);
  }
  return ids;
}

/** `changes` changes over CHURNED: 70 % updates, 20 % creates, 10 % soft deletes (creates not on Bench__c). */
async function churn(sim: SimHandle, ids: Map<string, string[]>, per: number, round: number): Promise<void> {
  for (const object of CHURNED) {
    const mine = (ids.get(object) ?? []).slice((round - 1) * per, round * per);
    const updates = mine.slice(0, Math.round(per * 0.7));
    const deletes = mine.slice(updates.length, updates.length + Math.round(per * 0.1));
    const creates = per - updates.length - deletes.length;
    const field =
      object === 'Bench__c' ? 'Name' : object === 'Task' || object === 'Case' ? 'Subject' : 'Description';
    const make = MEDIUM_OBJECTS.find(([o]) => o === object)?.[2];
    await sim.admin('POST', 'mutate', {
      object,
      ops: [
        { op: 'update', ids: updates, set: { [field]: `changed in round ${round}` } },
        ...(deletes.length > 0 ? [{ op: 'delete', ids: deletes }] : []),
        ...(creates > 0 && object !== 'Bench__c'
          ? [
              {
                op: 'create',
                records: Array.from({ length: creates }, (_, i) =>
                  make
                    ? make(1e7 + round * 1e5 + i)
                    : object === 'Contact'
                      ? { LastName: `New ${i}` }
                      : { Name: `New ${i}` },
                ),
              },
            ]
          : []),
      ],
    });
  }
}

// ── counting ────────────────────────────────────────────────────────────────────────────────────────

/** File bodies (the files part of a backup, with a budget share of its own): counted apart from records. */
const FILE_BODY = 'file body';
/** The kinds that read records: queries and their pages, Bulk jobs (composite requests carry describes). */
const READS = /^(query|bulk)/;

/** What a logged request is, from its method and path (the request log has no query string). */
function callKind(method: string, pathname: string): string {
  const rest = pathname.replace(/^\/services\/data\/v\d+\.\d/, '');
  if (/^\/sobjects\/?$/.test(rest)) return 'describeGlobal';
  if (/^\/sobjects\/[^/]+\/describe\/?$/.test(rest)) return 'describe';
  if (/^\/sobjects\/[^/]+\/deleted\/?$/.test(rest)) return 'getDeleted';
  if (/^\/sobjects\/[^/]+\/updated\/?$/.test(rest)) return 'getUpdated';
  if (/^\/sobjects\/(ContentVersion|Attachment|Document)\/[^/]+\/(VersionData|Body)\/?$/i.test(rest))
    return FILE_BODY;
  if (/^\/limits\/?$/.test(rest)) return 'limits';
  if (/^\/query(All)?\/?$/.test(rest)) return 'query';
  if (/^\/query(All)?\/[^/]+\/?$/.test(rest)) return 'query next page';
  if (/^\/jobs\/query\/?$/.test(rest)) return method === 'POST' ? 'bulk create' : 'bulk list';
  if (/^\/jobs\/query\/[^/]+\/results\/?$/.test(rest)) return 'bulk results page';
  if (/^\/jobs\/query\/[^/]+\/?$/.test(rest))
    return method === 'DELETE' ? 'bulk delete' : method === 'PATCH' ? 'bulk abort' : 'bulk poll';
  if (/^\/composite/.test(rest)) return 'composite';
  return `other ${method} ${rest.split('/').slice(0, 3).join('/')}`;
}

interface PhaseCount {
  /** Calls the org counted against its daily allowance, file bodies aside. */
  calls: number;
  byKind: Map<string, number>;
  /** Per kind, the objects its calls touched (a composite's: all its subrequests'), for `--detail`. */
  objectsByKind: Map<string, string[]>;
  written: number;
  seconds: number;
}

interface RequestLogPage {
  requests: Array<{ method: string; path: string; objects: string[] }>;
  next: number;
  dropped: number;
}

const apiUsed = async (sim: SimHandle) =>
  (await sim.admin<{ apiUsage: { used: number } }>('GET', 'org')).apiUsage.used;

async function measure(sim: SimHandle, run: () => Promise<number>): Promise<PhaseCount> {
  const since = (await sim.admin<RequestLogPage>('GET', `requests?since=${Number.MAX_SAFE_INTEGER}`)).next;
  const usedBefore = await apiUsed(sim);
  const t = performance.now();
  const written = await run();
  const seconds = (performance.now() - t) / 1000;
  const byKind = new Map<string, number>();
  const objectsByKind = new Map<string, string[]>();
  const log = await sim.admin<RequestLogPage>('GET', `requests?since=${since}`);
  if (log.dropped > 0) say(`  (the request log dropped ${log.dropped} entries: kinds are partial)`);
  for (const r of log.requests) {
    const kind = callKind(r.method, r.path);
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    objectsByKind.set(kind, [...(objectsByKind.get(kind) ?? []), r.objects.join('+') || '-']);
  }
  const calls = (await apiUsed(sim)) - usedBefore - (byKind.get(FILE_BODY) ?? 0);
  return { calls, byKind, objectsByKind, written, seconds };
}

function writtenBy(pass: PassResult): number {
  const failed = pass.outcomes.filter((o) => !o.ok);
  if (failed.length > 0)
    throw new Error(
      `objects failed: ${failed.map((o) => `${o.object} (${o.error?.code ?? '?'})`).join(', ')}`,
    );
  return pass.outcomes.reduce((n, o) => n + o.written, 0);
}

const perMillion = (calls: number, records: number) => (records > 0 ? (calls / records) * 1e6 : 0);

function describePhase(name: string, p: PhaseCount, detail: boolean): string {
  const kinds = [...p.byKind.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`);
  const details = detail
    ? [...p.objectsByKind].map(([kind, objects]) => `\n    ${kind}: ${objects.join(', ')}`).join('')
    : '';
  return (
    `${name}: ${p.calls} calls for ${p.written.toLocaleString('en-US')} records ` +
    `(${perMillion(p.calls, p.written).toFixed(1)} per million) in ${p.seconds.toFixed(0)} s — ${kinds.join(', ')}${details}`
  );
}

// ── the run ─────────────────────────────────────────────────────────────────────────────────────────

export async function run(): Promise<BenchResult[]> {
  const options = readOptions();
  say(
    `api-calls: Bench__c ${options.records.toLocaleString('en-US')} rows, medium +${options.medium.toLocaleString('en-US')}, ` +
      `${options.changes} changes × ${options.passes} passes`,
  );
  mkdirSync(DATA_DIR, { recursive: true });
  const runDir = path.join(DATA_DIR, 'run');
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const postgres = await acquireEmbeddedPostgres({ home: DATA_DIR, logger, database: 'postgres' });
  const database = 'api_calls';
  let knex: Knex | undefined;
  let sim: SimHandle | undefined;
  try {
    knex = createKnex(await freshBenchDatabase(postgres.url, database), { poolMax: 6 });
    await migrateToLatest(knex);

    sim = await startSim(options.records, path.join(runDir, 'sim'));
    await grow(sim, options.medium);
    const masterKey = randomBytes(32);
    await registerOrg(
      {
        instanceUrl: sim.url,
        loginUrl: sim.url,
        clientId: sim.clientId,
        privateKey: readFileSync(sim.privateKeyPath, 'utf8'),
        username: sim.username,
      },
      { knex, masterKey, logger },
    );
    // Records only: file bodies have a budget share (and a benchmark) of their own.
    await updateOrgSettings(knex, sim.orgId, { mode: 'objects_only' });
    const org = await findOrg(knex, sim.orgId);
    if (!org) throw new Error('the org was not registered');
    const ctx: EngineContext = {
      org,
      session: await connectOrg(org, masterKey, logger),
      store: { knex, blobs: new FsBlobStore(path.join(runDir, 'bucket')) },
      logger,
      options: {
        ...DEFAULT_ENGINE_OPTIONS,
        ...(options.pageMiB ? { bulkPageBytes: options.pageMiB * 1024 * 1024 } : {}),
      },
    };
    const s = sim;
    const passTheLag = () => advance(s, DEFAULT_ENGINE_OPTIONS.lagMs + 65_000);

    // A poll sees a finished job as finished, as Salesforce answers it: the simulator's default shows every job
    // InProgress to its first poll (a rule by count, standing in for a real job's minutes), which would add a poll
    // per job whatever the client's pacing does.
    await s.admin('POST', 'bulk', { inProgressPolls: 0 });
    await passTheLag();
    const backfill = await measure(s, async () => writtenBy(await runBackupPass(ctx)));
    say(`  ${describePhase('backfill', backfill, options.detail)}`);

    const per = Math.ceil(options.changes / options.passes / CHURNED.length);
    const ids = await churnIds(ctx, per * options.passes);
    const delta = await measure(s, async () => {
      let written = 0;
      for (let round = 1; round <= options.passes; round++) {
        await churn(s, ids, per, round);
        await passTheLag();
        // As `autobackup backup` loops: its passes after the first scan the schema when due (hourly).
        written += writtenBy(await runBackupPass(ctx, { scan: 'when-due' }));
      }
      return written;
    });
    say(`  ${describePhase('delta', delta, options.detail)}`);

    const calls = backfill.calls + delta.calls;
    const records = backfill.written + delta.written;
    const total = perMillion(calls, records);
    const withoutSchema = (p: PhaseCount) =>
      p.calls - (p.byKind.get('describe') ?? 0) - (p.byKind.get('describeGlobal') ?? 0);
    const reads = (p: PhaseCount) =>
      [...p.byKind].reduce((n, [kind, c]) => n + (READS.test(kind) ? c : 0), 0);
    const peakRssMiB = process.resourceUsage().maxRSS / 1024;
    say(`  peak RSS of the engine's process: ${peakRssMiB.toFixed(0)} MiB`);
    return [
      {
        name: 'API calls per million records (backfill + deltas)',
        value: total,
        unit: 'calls/M',
        goal: `≤ ${GOAL_PER_MILLION} calls/M`,
        met: total <= GOAL_PER_MILLION,
      },
      {
        name: 'backfill calls per million records',
        value: perMillion(backfill.calls, backfill.written),
        unit: 'calls/M',
      },
      {
        name: 'backfill calls per million records, describes aside',
        value: perMillion(withoutSchema(backfill), backfill.written),
        unit: 'calls/M',
      },
      {
        name: 'backfill record reads per million records (queries, Bulk)',
        value: perMillion(reads(backfill), backfill.written),
        unit: 'calls/M',
      },
      { name: 'backfill calls', value: backfill.calls, unit: 'calls' },
      { name: 'backfill records', value: backfill.written, unit: 'records' },
      { name: 'delta calls', value: delta.calls, unit: 'calls' },
      { name: 'delta records', value: delta.written, unit: 'records' },
      { name: 'delta record reads (queries, Bulk)', value: reads(delta), unit: 'calls' },
      { name: 'peak RSS of the engine (this process)', value: peakRssMiB, unit: 'MiB' },
      ...[...backfill.byKind.entries()].map(([kind, n]) => ({
        name: `backfill: ${kind}`,
        value: n,
        unit: 'calls',
      })),
      ...[...delta.byKind.entries()].map(([kind, n]) => ({
        name: `delta: ${kind}`,
        value: n,
        unit: 'calls',
      })),
    ];
  } finally {
    if (sim) {
      const exited = new Promise((resolve) => sim!.child.once('exit', resolve));
      sim.child.kill('SIGTERM');
      await exited;
    }
    await knex?.destroy();
    await postgres.release();
  }
}
