/**
 * Latency of the HTTP API the package's screens read (issue #12), at 10 million indexed versions written through
 * the store writer: the dashboard and the object list (goal p95 ≤ 50 ms) and a record's history (goal p95 ≤ 20 ms).
 *
 * The data set (bench/support/api-dataset.ts: one org, ~400 objects, busy records with hundreds of versions,
 * open and closed errors, daily_stats) is generated once into `.autobackup-bench/api-<size>/` (embedded
 * PostgreSQL home + filesystem bucket) and reused while its version matches. The service runs in a process of
 * its own (bench/support/api-server.ts: startService, exactly as `autobackup serve --no-backup` runs it, the rate
 * limit set high enough not to throttle, request logging to a file), and is called over real
 * HTTP on loopback with keep-alive connections: after a warm-up, ROUNDS rounds of REQUESTS requests per route,
 * one at a time and then CONCURRENCY at a time, the routes interleaved within each round. Reported per route
 * and mode: the median over the rounds of p50 / p95 / p99, requests per second, and CPU per request of the
 * service process (process.cpuUsage) and of the PostgreSQL server (its processes, from /proc), and the CPU other
 * processes used meanwhile ("others": a shared machine's tests slow every figure). The machine's speed
 * wanders, so rounds are medians, not means.
 *
 * Then, in this process, the same use cases are called directly with every SQL statement timed (round trip) and
 * run under EXPLAIN ANALYZE (execution), and a few what-ifs measure the service's choices side by side: the rate
 * limiter's commit with and without synchronous_commit, the registry read with and without the objects' field
 * lists, and a history page's block reads and gunzips at today's and at 32 KB blocks.
 *
 * `npm run bench -- api [--versions 1m] [--rounds 5] [--requests 200] [--concurrency 4] [--explain]`
 * (or BENCH_API_VERSIONS, BENCH_API_ROUNDS, BENCH_API_REQUESTS, BENCH_API_CONCURRENCY). The reported figures
 * are at the default, 10m.
 */
import { fork, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import pg from 'pg';
import { getDashboard, listObjects } from '../service/src/app/dashboard.js';
import type { AppContext } from '../service/src/app/app-context.js';
import { recordVersions } from '../service/src/app/record-history.js';
import { loadConfig } from '../service/src/config.js';
import { createLogger } from '../service/src/logger.js';
import { FsBlobStore } from '../service/src/store/blob/fs-blob-store.js';
import { createKnex, type Knex } from '../service/src/store/db/knex.js';
import { issueServiceKey, verifyServiceKey } from '../service/src/store/orgs/service-key-repository.js';
import { openRateLimiter, postgresRateLimiter } from '../service/src/store/rate-limits/key-rate-limiter.js';
import { listRegistry, listRegistryForStatus } from '../service/src/store/registry/object-registry.js';
import type { BenchResult } from './bench-result.js';
import { benchCount, readBenchFlags } from './support/bench-flags.js';
import { prng } from '../service/test/store/support/synthetic-records.js';
import { openDataset, recordId, type Dataset, type ObjectPlan } from './support/api-dataset.js';
import type { ParentMessage, ServerMessage } from './support/api-server.js';
import { postgresServerCpuSeconds } from './support/process-cpu.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DATA_ROOT = path.join(root, '.autobackup-bench');
const DASHBOARD_GOAL_MS = 50;
const HISTORY_GOAL_MS = 20;
const WARMUP_PER_ROUTE = 50;

const say = (line: string) => console.error(line);

// ── options ─────────────────────────────────────────────────────────────────────────────────────────

interface Options {
  versions: number;
  rounds: number;
  requests: number;
  concurrency: number;
  explain: boolean;
}

function readOptions(): Options {
  const flags = readBenchFlags();
  const pick = (name: string, env: string, fallback: string) => flags.pick(name, env) ?? fallback;
  const options = {
    versions: benchCount(pick('versions', 'BENCH_API_VERSIONS', '10m'), '--versions'),
    rounds: benchCount(pick('rounds', 'BENCH_API_ROUNDS', '5'), '--rounds'),
    requests: benchCount(pick('requests', 'BENCH_API_REQUESTS', '200'), '--requests'),
    concurrency: benchCount(pick('concurrency', 'BENCH_API_CONCURRENCY', '4'), '--concurrency'),
    explain: flags.has('explain') || process.env.BENCH_API_EXPLAIN === '1',
  };
  if (options.versions < 10_000) throw new Error('--versions: at least 10k');
  return options;
}

// ── the service process and its HTTP client ─────────────────────────────────────────────────────────

interface Service {
  url: URL;
  child: ChildProcess;
  cpu(): Promise<{ user: number; system: number; rss: number }>;
  stop(): Promise<void>;
}

/** Starts the service process; its logs (one line per request at LOG_LEVEL=info, as in production) go to `logFile`. */
async function startService(logFile: string, env: Record<string, string>): Promise<Service> {
  const log = openSync(logFile, 'w');
  const child = fork(path.join(root, 'bench/support/api-server.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', log, 'ipc'],
  });
  closeSync(log);
  const waiting: Array<(m: ServerMessage & { type: 'cpu' }) => void> = [];
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`the service process exited (${code}) before listening; see ${logFile}`)),
    );
    child.on('message', (m: ServerMessage) => {
      if (m.type === 'ready') resolve(m.url);
      else waiting.shift()?.(m);
    });
  });
  return {
    url: new URL(url),
    child,
    cpu() {
      return new Promise((resolve) => {
        waiting.push(resolve);
        child.send({ type: 'cpu' } satisfies ParentMessage);
      });
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' } satisfies ParentMessage);
      await exited;
    },
  };
}

interface Client {
  get(pathname: string): Promise<{ status: number; body: Buffer }>;
  close(): void;
}

function httpClient(base: URL, serviceKey: string, sockets: number): Client {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  return {
    get(pathname) {
      return new Promise((resolve, reject) => {
        const req = http.request(
          {
            agent,
            host: base.hostname,
            port: base.port,
            path: pathname,
            headers: { authorization: `Bearer ${serviceKey}`, accept: 'application/json' },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end();
      });
    },
    close: () => agent.destroy(),
  };
}

async function getJson<T>(client: Client, pathname: string): Promise<T> {
  const res = await client.get(pathname);
  if (res.status !== 200)
    throw new Error(`GET ${pathname}: ${res.status} ${res.body.toString().slice(0, 300)}`);
  return JSON.parse(res.body.toString()) as T;
}

// ── routes ──────────────────────────────────────────────────────────────────────────────────────────

interface Route {
  name: string;
  /** The p95 goal; null for the floor (a route with no goal). */
  goalMs: number | null;
  /** The next request's path (random records differ per request). */
  next(): string;
}

interface Targets {
  orgId: string;
  /** Objects with records, and the cumulative record counts to pick one in proportion. */
  withRecords: ObjectPlan[];
  cumulative: number[];
  /** Large objects whose busy records have ≥ 100 versions. */
  busyObjects: ObjectPlan[];
}

function targetsOf(dataset: Dataset): Targets {
  const withRecords = dataset.manifest.objects.filter((o) => o.supported && o.records > 0);
  const cumulative: number[] = [];
  let sum = 0;
  for (const o of withRecords) cumulative.push((sum += o.records));
  const busyObjects = withRecords.filter((o) => o.busy > 0 && (o.updates * 0.25) / o.busy >= 100);
  if (busyObjects.length === 0) busyObjects.push(...withRecords.slice(0, 3));
  return { orgId: dataset.manifest.orgId, withRecords, cumulative, busyObjects };
}

function historyPath(orgId: string, object: string, id: string, query: string): string {
  return `/api/v1/orgs/${orgId}/records/${object}/${id}/versions?${query}`;
}

/** A record picked in proportion to the objects' record counts (users open records where the records are). */
function randomRecord(t: Targets, rand: () => number): { object: string; id: string } {
  const x = rand() * t.cumulative.at(-1)!;
  let lo = 0;
  let hi = t.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (t.cumulative[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  const o = t.withRecords[lo]!;
  return { object: o.name, id: recordId(o.prefix, Math.floor(rand() * o.records)) };
}

function busyRecord(t: Targets, rand: () => number): { object: string; id: string } {
  const o = t.busyObjects[Math.floor(rand() * t.busyObjects.length)]!;
  return { object: o.name, id: recordId(o.prefix, Math.floor(rand() * o.busy)) };
}

async function buildRoutes(client: Client, t: Targets): Promise<Route[]> {
  const org = `/api/v1/orgs/${t.orgId}`;
  // A later page of the object list: follow the cursors to the fourth page (or the last there is).
  let cursor: string | null = null;
  for (let page = 1; page < 4; page++) {
    const listing: { next: string | null } = await getJson(
      client,
      `${org}/objects${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    if (!listing.next) break;
    cursor = listing.next;
  }
  // Older pages of busy records: the `next` of their first page.
  const rand = prng(12);
  const olderPages: string[] = [];
  for (let i = 0; i < 100; i++) {
    const { object, id } = busyRecord(t, rand);
    const page: { items: unknown[]; next: string | null } = await getJson(
      client,
      historyPath(t.orgId, object, id, 'limit=50'),
    );
    if (page.next)
      olderPages.push(historyPath(t.orgId, object, id, `limit=50&before=${encodeURIComponent(page.next)}`));
  }
  if (olderPages.length === 0) throw new Error('no busy record has more than 50 versions');
  const randomRand = prng(34);
  const busyRand = prng(56);
  let older = 0;
  return [
    // The floor: loopback HTTP, express and the middleware chain, no authentication and no query.
    { name: 'GET /healthz (floor: no auth, no query)', goalMs: null, next: () => '/healthz' },
    { name: 'GET dashboard', goalMs: DASHBOARD_GOAL_MS, next: () => `${org}/dashboard` },
    { name: 'GET objects (first page)', goalMs: DASHBOARD_GOAL_MS, next: () => `${org}/objects` },
    {
      name: 'GET objects ?status=Waiting',
      goalMs: DASHBOARD_GOAL_MS,
      next: () => `${org}/objects?status=Waiting`,
    },
    { name: 'GET objects ?q=line (search)', goalMs: DASHBOARD_GOAL_MS, next: () => `${org}/objects?q=line` },
    {
      name: 'GET objects ?cursor= (4th page)',
      goalMs: DASHBOARD_GOAL_MS,
      next: () => `${org}/objects${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`,
    },
    {
      name: 'GET record versions, random record (limit 50)',
      goalMs: HISTORY_GOAL_MS,
      next: () => {
        const { object, id } = randomRecord(t, randomRand);
        return historyPath(t.orgId, object, id, 'limit=50');
      },
    },
    {
      name: 'GET record versions, busy record (limit 50, full page)',
      goalMs: HISTORY_GOAL_MS,
      next: () => {
        const { object, id } = busyRecord(t, busyRand);
        return historyPath(t.orgId, object, id, 'limit=50');
      },
    },
    {
      name: 'GET record versions, busy record ?before= (older page)',
      goalMs: HISTORY_GOAL_MS,
      next: () => olderPages[older++ % olderPages.length]!,
    },
  ];
}

// ── measurement ─────────────────────────────────────────────────────────────────────────────────────

interface PhaseStats {
  p50: number;
  p95: number;
  p99: number;
  perSecond: number;
  /** CPU per request, ms: the service process, and the PostgreSQL server (null without /proc). */
  serviceCpuMs: number;
  postgresCpuMs: number | null;
  /**
   * CPU used meanwhile by everything else on the machine (other people's tests, …), as a share of all its
   * cores, in %: latencies measured while others load the machine are slower (null without /proc).
   */
  othersPercent: number | null;
}

/** Busy and total CPU ticks of the whole machine so far (Linux /proc/stat), or null elsewhere. */
function machineTicks(): { busy: number; total: number } | null {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = cpu as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait };
  } catch {
    return null;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function phase(
  client: Client,
  service: Service,
  dataDir: string,
  route: Route,
  requests: number,
  concurrency: number,
): Promise<PhaseStats> {
  const latencies: number[] = [];
  const cpuBefore = await service.cpu();
  const pgBefore = postgresServerCpuSeconds(dataDir);
  const machineBefore = machineTicks();
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  let issued = 0;
  const worker = async () => {
    while (issued < requests) {
      issued += 1;
      const pathname = route.next();
      const t = performance.now();
      const res = await client.get(pathname);
      latencies.push(performance.now() - t);
      if (res.status !== 200)
        throw new Error(
          `${route.name}: GET ${pathname} answered ${res.status}: ${res.body.toString().slice(0, 300)}`,
        );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = await service.cpu();
  const pgAfter = postgresServerCpuSeconds(dataDir);
  const machineAfter = machineTicks();
  const benchCpu = process.cpuUsage(clientBefore);
  latencies.sort((a, b) => a - b);
  const serviceSeconds = (cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system) / 1e6;
  let othersPercent: number | null = null;
  if (machineBefore && machineAfter && pgBefore !== null && pgAfter !== null) {
    const ours = serviceSeconds + (pgAfter - pgBefore) + (benchCpu.user + benchCpu.system) / 1e6;
    const busy = (machineAfter.busy - machineBefore.busy) / 100;
    const total = (machineAfter.total - machineBefore.total) / 100;
    othersPercent = total > 0 ? Math.max(0, (100 * (busy - ours)) / total) : null;
  }
  return {
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    perSecond: requests / seconds,
    serviceCpuMs: (serviceSeconds * 1000) / requests,
    postgresCpuMs: pgBefore === null || pgAfter === null ? null : ((pgAfter - pgBefore) * 1000) / requests,
    othersPercent,
  };
}

function medianStats(rounds: PhaseStats[]): PhaseStats {
  const pgValues = rounds.map((r) => r.postgresCpuMs);
  const others = rounds.map((r) => r.othersPercent);
  return {
    p50: median(rounds.map((r) => r.p50)),
    p95: median(rounds.map((r) => r.p95)),
    p99: median(rounds.map((r) => r.p99)),
    perSecond: median(rounds.map((r) => r.perSecond)),
    serviceCpuMs: median(rounds.map((r) => r.serviceCpuMs)),
    postgresCpuMs: pgValues.some((v) => v === null) ? null : median(pgValues as number[]),
    othersPercent: others.some((v) => v === null) ? null : median(others as number[]),
  };
}

// ── anatomy: the same use cases in this process, every statement timed ──────────────────────────────

interface TracedQuery {
  sql: string;
  bindings: unknown[];
  start: number;
  ms: number;
}

interface Anatomy {
  route: string;
  totalMs: number;
  /** Wall time with at least one statement in flight. */
  sqlMs: number;
  /** Each statement: how often a call runs it, its median round trip, and its execution time under EXPLAIN ANALYZE. */
  statements: Array<{
    sql: string;
    perCall: number;
    medianMs: number;
    explainMs: number | null;
    plan: string[];
  }>;
}

function tracer(knex: Knex): {
  collect<T>(fn: () => Promise<T>): Promise<{ result: T; queries: TracedQuery[]; ms: number }>;
} {
  const open = new Map<string, { sql: string; bindings: unknown[]; t: number }>();
  let sink: TracedQuery[] | null = null;
  knex.on('query', (q: { __knexQueryUid: string; sql: string; bindings?: unknown[] }) => {
    open.set(q.__knexQueryUid, { sql: q.sql, bindings: q.bindings ?? [], t: performance.now() });
  });
  knex.on('query-response', (_r: unknown, q: { __knexQueryUid: string }) => {
    const o = open.get(q.__knexQueryUid);
    open.delete(q.__knexQueryUid);
    if (!o || !sink) return;
    const end = performance.now();
    sink.push({ sql: o.sql, bindings: o.bindings, start: o.t, ms: end - o.t });
  });
  return {
    async collect(fn) {
      sink = [];
      const t = performance.now();
      const result = await fn();
      const ms = performance.now() - t;
      const queries = sink;
      sink = null;
      return { result, queries, ms };
    },
  };
}

/** Wall time with at least one statement in flight (the dashboard runs two at once). */
function sqlMs(queries: TracedQuery[], totalMs: number): number {
  const spans = queries.map((q) => [q.start, q.start + q.ms] as const).sort((x, y) => x[0] - y[0]);
  let sum = 0;
  let end = -Infinity;
  for (const [from, to] of spans) {
    if (to <= end) continue;
    sum += to - Math.max(from, end);
    end = to;
  }
  return Math.min(totalMs, sum);
}

/** knex hands pg `$n` placeholders already; older shapes used `?`. */
function positional(sql: string): string {
  if (/\$\d/.test(sql)) return sql;
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

async function explain(client: pg.Client, q: TracedQuery): Promise<{ ms: number | null; plan: string[] }> {
  try {
    const res = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS) ${positional(q.sql)}`,
      q.bindings as unknown[],
    );
    const plan = res.rows.map((r) => r['QUERY PLAN']);
    const exec = plan.map((l) => /Execution Time: ([\d.]+) ms/.exec(l)).find((m) => m);
    return { ms: exec ? Number(exec[1]) : null, plan };
  } catch (err) {
    return { ms: null, plan: [`EXPLAIN failed: ${(err as Error).message}`] };
  }
}

async function anatomy(
  dataset: Dataset,
  t: Targets,
  serviceKey: string,
  explainAll: boolean,
): Promise<{ rows: Anatomy[]; whatIf: WhatIf }> {
  const knex = createKnex(dataset.postgres.url, { poolMax: 10 });
  const blobs = new FsBlobStore(dataset.bucketDir);
  const config = loadConfig({
    AUTOBACKUP_HOME: dataset.dir,
    DATABASE_URL: dataset.postgres.url,
    LOG_LEVEL: 'silent',
  });
  const ctx: AppContext = {
    config,
    logger: createLogger('silent'),
    store: { knex, blobs },
    now: () => new Date(),
  };
  const limiter = postgresRateLimiter(knex, 9_999_999);
  const trace = tracer(knex);
  const pgClient = new pg.Client({ connectionString: dataset.postgres.url });
  await pgClient.connect();
  const rand = prng(78);
  const cases: Array<{ route: string; call: () => Promise<unknown> }> = [
    {
      route: 'every authenticated request: verifyServiceKey',
      call: () => verifyServiceKey(knex, serviceKey),
    },
    {
      route: 'every authenticated request: rate limit (consume)',
      call: () => limiter.consume('bench-anatomy'),
    },
    { route: 'dashboard (getDashboard)', call: () => getDashboard(ctx, t.orgId) },
    { route: 'objects, first page (listObjects)', call: () => listObjects(ctx, t.orgId, {}) },
    {
      route: 'record versions, random record (recordVersions)',
      call: () => {
        const r = randomRecord(t, rand);
        return recordVersions(ctx, t.orgId, r.object, r.id, { limit: 50 });
      },
    },
    {
      route: 'record versions, busy record (recordVersions)',
      call: () => {
        const r = busyRecord(t, rand);
        return recordVersions(ctx, t.orgId, r.object, r.id, { limit: 50 });
      },
    },
  ];
  const rows: Anatomy[] = [];
  try {
    for (const c of cases) {
      for (let i = 0; i < 15; i++) await c.call();
      const totals: number[] = [];
      const sqlTotals: number[] = [];
      const bySql = new Map<string, { times: number[]; last: TracedQuery }>();
      const calls = 60;
      for (let i = 0; i < calls; i++) {
        const { queries, ms } = await trace.collect(c.call);
        totals.push(ms);
        sqlTotals.push(sqlMs(queries, ms));
        for (const q of queries) {
          const key = q.sql.replace(/\s+/g, ' ');
          const entry = bySql.get(key) ?? { times: [], last: q };
          entry.times.push(q.ms);
          entry.last = q;
          bySql.set(key, entry);
        }
      }
      const statements: Anatomy['statements'] = [];
      for (const [sql, { times, last }] of bySql) {
        // The rate limiter's statement writes; EXPLAIN ANALYZE would run it once more, which is harmless.
        const e = await explain(pgClient, last);
        statements.push({
          sql,
          perCall: times.length / calls,
          medianMs: median(times),
          explainMs: e.ms,
          plan: e.plan,
        });
      }
      statements.sort((x, y) => y.medianMs * y.perCall - x.medianMs * x.perCall);
      rows.push({ route: c.route, totalMs: median(totals), sqlMs: median(sqlTotals), statements });
    }
    const whatIf = await whatIfs(knex, dataset.postgres.url, blobs, t, rand);
    for (const a of rows) {
      say(
        `  ${a.route}: ${a.totalMs.toFixed(2)} ms in-process, of which SQL round trips ${a.sqlMs.toFixed(2)} ms, ` +
          `the rest (JS, bucket reads) ${Math.max(0, a.totalMs - a.sqlMs).toFixed(2)} ms`,
      );
      for (const st of a.statements) {
        say(
          `    ${st.medianMs.toFixed(2).padStart(7)} ms round trip${st.perCall === 1 ? '    ' : ` ×${st.perCall.toFixed(st.perCall % 1 ? 1 : 0)}`} | ` +
            `${(st.explainMs?.toFixed(3) ?? '?').padStart(7)} ms executing | ${st.sql.slice(0, 160)}`,
        );
        const top = st.plan.filter((l) => !/^\s*(Planning|Execution|Buffers|Settings|Planning Time)/.test(l));
        for (const line of explainAll ? st.plan : top.slice(0, 3)) say(`        ${line}`);
      }
    }
    say(`  what-ifs (same data, in this process):`);
    say(
      `    the rate limiter's upsert (every authenticated request; it commits on its own): ${whatIf.rateLimitMs.toFixed(2)} ms; ` +
        `with synchronous_commit off on its connection: ${whatIf.rateLimitAsyncCommitMs.toFixed(2)} ms`,
    );
    say(
      `    the whole registry, as the engine reads it (${(whatIf.registryBytes / 1e6).toFixed(2)} MB ` +
        `of row text, ${(whatIf.fieldsBytes / 1e6).toFixed(2)} MB of it the objects' field lists): ${whatIf.registryAllMs.toFixed(2)} ms; ` +
        `without the field lists, as the dashboard and object list read it: ${whatIf.registryNarrowMs.toFixed(2)} ms`,
    );
    say(
      `    a busy record's page of 50 versions sits in ${whatIf.blocksPerPage.toFixed(1)} distinct blocks ` +
        `(${(whatIf.rawBlockBytes / 1024).toFixed(0)} KB raw each); per block: ranged read ${whatIf.readMicros.toFixed(0)} µs, ` +
        `gunzip ${whatIf.gunzipMicros.toFixed(0)} µs → ${((whatIf.blocksPerPage * (whatIf.readMicros + whatIf.gunzipMicros)) / 1000).toFixed(1)} ms per page; ` +
        `with 32 KB blocks the gunzip would be ${whatIf.gunzip32Micros.toFixed(0)} µs → ` +
        `${((whatIf.blocksPerPage * (whatIf.readMicros + whatIf.gunzip32Micros)) / 1000).toFixed(1)} ms per page`,
    );
    return { rows, whatIf };
  } finally {
    await pgClient.end();
    await knex.destroy();
  }
}

interface WhatIf {
  rateLimitMs: number;
  rateLimitAsyncCommitMs: number;
  registryAllMs: number;
  registryNarrowMs: number;
  registryBytes: number;
  fieldsBytes: number;
  blocksPerPage: number;
  readMicros: number;
  gunzipMicros: number;
  gunzip32Micros: number;
  rawBlockBytes: number;
}

/**
 * What the service's choices save, measured side by side: the limiter's pool with and without synchronous
 * commit, the registry read with the field lists (the engine's) and without (the status screens'), and what a
 * history page's blocks cost (one ranged read and one gunzip of each distinct block) at 128 KB and 32 KB blocks.
 */
async function whatIfs(
  knex: Knex,
  url: string,
  blobs: FsBlobStore,
  t: Targets,
  rand: () => number,
): Promise<WhatIf> {
  const timed = async (fn: () => Promise<unknown>) => {
    for (let i = 0; i < 10; i++) await fn();
    const times: number[] = [];
    for (let i = 0; i < 40; i++) {
      const s = performance.now();
      await fn();
      times.push(performance.now() - s);
    }
    return median(times);
  };
  // The rate limiter's upsert commits on its own: a WAL flush per request, unless the commit is asynchronous.
  const rateLimitMs = await timed(() => postgresRateLimiter(knex, 9_999_999).consume('bench-what-if'));
  const asyncLimiter = openRateLimiter(url, 9_999_999);
  let rateLimitAsyncCommitMs: number;
  try {
    rateLimitAsyncCommitMs = await timed(() => asyncLimiter.consume('bench-what-if'));
  } finally {
    await asyncLimiter.close();
  }
  const registryAllMs = await timed(() => listRegistry(knex, t.orgId));
  const registryNarrowMs = await timed(() => listRegistryForStatus(knex, t.orgId));
  const size = (
    await knex.raw<{ rows: Array<{ all: number; fields: number }> }>(
      `SELECT sum(length(o::text))::bigint AS all, sum(coalesce(length(fields::text), 0))::bigint AS fields
         FROM objects o WHERE org_id = ?`,
      [t.orgId],
    )
  ).rows[0]!;

  let blocks = 0;
  let pages = 0;
  const reads: number[] = [];
  const gunzips: number[] = [];
  const gunzips32: number[] = [];
  let rawBytes = 0;
  for (let i = 0; i < 20; i++) {
    const r = busyRecord(t, rand);
    const rows = (
      await knex.raw<{ rows: Array<{ bucket_key: string; o: string; l: number }> }>(
        `SELECT p.bucket_key, p.block_offsets[v.block + 1] AS o, p.block_lengths[v.block + 1] AS l
           FROM versions v JOIN packs p ON p.pack_key = v.pack_key
          WHERE v.object_key = (SELECT object_key FROM objects WHERE org_id = ? AND name = ?) AND v.record_id = ?
          ORDER BY v.system_modstamp DESC LIMIT 50`,
        [t.orgId, r.object, r.id],
      )
    ).rows;
    const distinct = new Map(rows.map((row) => [`${row.bucket_key}@${row.o}`, row]));
    blocks += distinct.size;
    pages += 1;
    for (const row of distinct.values()) {
      let s = performance.now();
      const compressed = await blobs.get(row.bucket_key, {
        start: Number(row.o),
        end: Number(row.o) + row.l - 1,
      });
      reads.push((performance.now() - s) * 1000);
      s = performance.now();
      const raw = gunzipSync(compressed);
      gunzips.push((performance.now() - s) * 1000);
      rawBytes += raw.length;
      const small = gzipSync(raw.subarray(0, 32 * 1024), { level: 1 });
      s = performance.now();
      gunzipSync(small);
      gunzips32.push((performance.now() - s) * 1000);
    }
  }
  return {
    rateLimitMs,
    rateLimitAsyncCommitMs,
    registryAllMs,
    registryNarrowMs,
    registryBytes: Number(size.all),
    fieldsBytes: Number(size.fields),
    blocksPerPage: blocks / pages,
    readMicros: median(reads),
    gunzipMicros: median(gunzips),
    gunzip32Micros: median(gunzips32),
    rawBlockBytes: rawBytes / Math.max(1, gunzips.length),
  };
}

// ── disk ────────────────────────────────────────────────────────────────────────────────────────────

function df(where: string): string {
  try {
    return execFileSync('df', ['-h', where], { encoding: 'utf8' }).trim().split('\n').slice(-1)[0]!;
  } catch {
    return '(df unavailable)';
  }
}

function duBytes(where: string): number {
  try {
    return Number(execFileSync('du', ['-sb', where], { encoding: 'utf8' }).split('\t')[0]);
  } catch {
    return NaN;
  }
}

const gb = (bytes: number) => Math.round((bytes / 1e9) * 100) / 100;

// ── run ─────────────────────────────────────────────────────────────────────────────────────────────

export async function run(): Promise<BenchResult[]> {
  const options = readOptions();
  mkdirSync(DATA_ROOT, { recursive: true });
  say(`  disk before: ${df(DATA_ROOT)}`);
  say(
    `  data set: ${options.versions.toLocaleString('en-US')} versions; ${options.rounds} rounds × ${options.requests} ` +
      `requests per route, sequential and ${options.concurrency} at a time`,
  );
  const logger = createLogger('warn');
  const opened = performance.now();
  const dataset = await openDataset(DATA_ROOT, options.versions, logger, say);
  const { manifest } = dataset;
  say(
    dataset.generated
      ? `  data set GENERATED in ${manifest.generationSeconds} s into ${path.relative(root, dataset.dir)}`
      : `  data set REUSED from ${path.relative(root, dataset.dir)} (generated ${manifest.generatedAt} in ${manifest.generationSeconds} s; opened in ${Math.round(performance.now() - opened)} ms)`,
  );

  let service: Service | undefined;
  let client: Client | undefined;
  const knex = createKnex(dataset.postgres.url, { poolMax: 2 });
  try {
    const sizes = await knex.raw<{
      rows: Array<{ db: number; versions: number; pkey: number; packs: number }>;
    }>(
      `SELECT pg_database_size(current_database()) AS db, pg_total_relation_size('versions') AS versions,
              pg_relation_size('versions_pkey') AS pkey, count(*)::bigint AS packs FROM packs`,
    );
    const size = sizes.rows[0]!;
    const bucketBytes = duBytes(dataset.bucketDir);
    const dataBytes = duBytes(dataset.postgres.dataDir);
    say(
      `  disk use: bucket ${gb(bucketBytes)} GB (${manifest.rawBytesPerVersion} raw bytes per version), PostgreSQL data ` +
        `${gb(dataBytes)} GB (database ${gb(Number(size.db))} GB: versions ${gb(Number(size.versions))} GB of which ` +
        `primary key ${gb(Number(size.pkey))} GB; ${Number(size.packs).toLocaleString('en-US')} packs)`,
    );
    say(`  disk after: ${df(DATA_ROOT)}`);

    // A key of this run's own (only its hash is stored); earlier runs' keys stay, as rotated keys would.
    const { serviceKey } = await issueServiceKey(knex, manifest.orgId);
    const logFile = path.join(dataset.dir, 'api-server.log');
    service = await startService(logFile, {
      DATABASE_URL: dataset.postgres.url,
      STORAGE_URL: `file://${dataset.bucketDir}`,
      AUTOBACKUP_HOME: dataset.dir,
      AUTOBACKUP_RATE_LIMIT: '9999999',
      LOG_LEVEL: 'info',
      PUBLIC_URL: 'http://127.0.0.1',
    });
    client = httpClient(service.url, serviceKey, options.concurrency);
    const targets = targetsOf(dataset);
    const routes = await buildRoutes(client, targets);

    say(`  warm-up: ${WARMUP_PER_ROUTE} requests per route`);
    for (const route of routes)
      await phase(client, service, dataset.postgres.dataDir, route, WARMUP_PER_ROUTE, 1);

    const modes = [
      { name: 'sequential', concurrency: 1 },
      { name: `${options.concurrency} at a time`, concurrency: options.concurrency },
    ];
    const perRound = new Map<string, PhaseStats[]>();
    for (let round = 1; round <= options.rounds; round++) {
      const t = performance.now();
      for (const route of routes) {
        for (const mode of modes) {
          const stats = await phase(
            client,
            service,
            dataset.postgres.dataDir,
            route,
            options.requests,
            mode.concurrency,
          );
          const key = `${route.name}|${mode.name}`;
          perRound.set(key, [...(perRound.get(key) ?? []), stats]);
        }
      }
      say(`  round ${round} of ${options.rounds}: ${Math.round((performance.now() - t) / 1000)} s`);
    }

    // The report: per route and mode, the median over the rounds.
    const ms = (n: number) => n.toFixed(n < 10 ? 2 : 1);
    const header = `  ${'route'.padEnd(56)} ${'mode'.padEnd(12)} ${'p50'.padStart(7)} ${'p95'.padStart(7)} ${'p99'.padStart(7)} ${'req/s'.padStart(7)} ${'svc CPU'.padStart(8)} ${'pg CPU'.padStart(8)} ${'others'.padStart(7)}  goal (p95)`;
    say('');
    say(
      `  API latency at ${options.versions.toLocaleString('en-US')} versions, ms (median of ${options.rounds} rounds); ` +
        `CPU per request in ms; "others": CPU used by other processes meanwhile, % of the machine's ${availableParallelism()} cores`,
    );
    say(header);
    const results: BenchResult[] = [];
    const detail: Record<string, unknown> = {};
    for (const route of routes) {
      for (const mode of modes) {
        const rounds = perRound.get(`${route.name}|${mode.name}`)!;
        const m = medianStats(rounds);
        const met = route.goalMs === null ? undefined : m.p95 <= route.goalMs;
        detail[`${route.name} | ${mode.name}`] = { median: m, rounds };
        say(
          `  ${route.name.padEnd(56)} ${mode.name.padEnd(12)} ${ms(m.p50).padStart(7)} ${ms(m.p95).padStart(7)} ${ms(m.p99).padStart(7)} ` +
            `${Math.round(m.perSecond).toString().padStart(7)} ${ms(m.serviceCpuMs).padStart(8)} ${(m.postgresCpuMs === null ? '–' : ms(m.postgresCpuMs)).padStart(8)} ${(m.othersPercent === null ? '–' : `${Math.round(m.othersPercent)} %`).padStart(7)}  ` +
            (route.goalMs === null ? '' : `≤ ${route.goalMs} ms ${met ? 'met' : 'MISSED'}`),
        );
        const label = `${route.name}, ${mode.name}`;
        results.push(
          route.goalMs === null
            ? { name: `${label}: p95`, value: round2(m.p95), unit: 'ms' }
            : {
                name: `${label}: p95`,
                value: round2(m.p95),
                unit: 'ms',
                goal: `p95 ≤ ${route.goalMs} ms`,
                met: met!,
              },
          { name: `${label}: p50`, value: round2(m.p50), unit: 'ms' },
          { name: `${label}: p99`, value: round2(m.p99), unit: 'ms' },
          { name: `${label}: throughput`, value: Math.round(m.perSecond), unit: 'requests/s' },
          { name: `${label}: service CPU per request`, value: round2(m.serviceCpuMs), unit: 'ms' },
        );
        if (m.postgresCpuMs !== null)
          results.push({
            name: `${label}: PostgreSQL CPU per request`,
            value: round2(m.postgresCpuMs),
            unit: 'ms',
          });
      }
    }
    const rss = (await service.cpu()).rss;
    client.close();
    client = undefined;
    await service.stop();
    service = undefined;

    say('');
    say('  anatomy (in this process, one call at a time, median of 60; EXPLAIN ANALYZE of each statement):');
    const anatomyReport = await anatomy(dataset, targets, serviceKey, options.explain);

    results.push(
      { name: 'data set: versions indexed', value: manifest.versions, unit: 'versions' },
      { name: 'data set: objects in the registry', value: manifest.objects.length, unit: 'objects' },
      {
        name: dataset.generated ? 'data set: generated now, in' : 'data set: reused (generation took)',
        value: manifest.generationSeconds,
        unit: 's',
      },
      { name: 'data set: bucket size', value: gb(bucketBytes), unit: 'GB' },
      { name: 'data set: PostgreSQL data directory size', value: gb(dataBytes), unit: 'GB' },
      { name: 'service process resident memory after the rounds', value: Math.round(rss / 1e6), unit: 'MB' },
    );

    const resultsDir = path.join(root, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const out = path.join(resultsDir, `api-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(
      out,
      JSON.stringify(
        {
          at: new Date().toISOString(),
          options,
          dataset: {
            dir: path.relative(root, dataset.dir),
            generated: dataset.generated,
            generationSeconds: manifest.generationSeconds,
            versions: manifest.versions,
            objects: manifest.objects.length,
            rawBytesPerVersion: manifest.rawBytesPerVersion,
            openErrors: manifest.openErrors,
            closedErrors: manifest.closedErrors,
            bucketBytes,
            postgresDataBytes: dataBytes,
            databaseBytes: Number(size.db),
            versionsTableBytes: Number(size.versions),
            versionsPkeyBytes: Number(size.pkey),
            packs: Number(size.packs),
          },
          routes: detail,
          anatomy: anatomyReport,
        },
        null,
        2,
      ),
    );
    say(`  details written to ${path.relative(root, out)}`);
    return results;
  } finally {
    client?.close();
    await service?.stop().catch(() => undefined);
    await knex.destroy();
    await dataset.postgres.release();
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100;
