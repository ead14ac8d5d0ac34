/**
 * Ctrl-C of a foreground `autobackup backup`: a real process, slowed by the simulator so it is in the middle of an
 * object, gets SIGINT. The batch at hand is stored, nothing new starts, and only then does the database pool close:
 * exit 130, no error from a pool closed under a write, the object's cursor at the last version stored, and a second
 * run completes the backup to the simulator's truth.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { startSimulator, type Simulator } from '../../test/sf-sim/src/index.js';
import { admin as simAdmin } from '../../test/sf-sim/test/support/sim-client.js';
import { objectsToBackUp } from '../src/backup/backup-pass.js';
import { DEFAULT_ENGINE_OPTIONS } from '../src/backup/engine-context.js';
import { verifyOrg } from '../src/backup/verify.js';
import { openBlobStore } from '../src/store/blob/open-blob-store.js';
import { canonicalDatetime } from '../src/store/packs/canonical-record.js';
import { getRegistryObject, listRegistry } from '../src/store/registry/object-registry.js';
import { createLogger } from '../src/logger.js';
import { AUTOBACKUP_BIN, type CliResult } from './support/cli-e2e.js';
import { engineFor, registerSimOrg, TEST_MASTER_KEY } from './support/engine-fixture.js';
import { createTestDatabase, type TestDatabase } from './support/test-db.js';
import { truthMismatches } from './support/truth-check.js';

/** A backlog read through one REST query (just under what goes to Bulk API 2.0): five pages of up to 2,000 rows. */
const BENCH_ROWS = DEFAULT_ENGINE_OPTIONS.bulkThreshold - 1;
const LAG_MS = DEFAULT_ENGINE_OPTIONS.lagMs;

let sim: Simulator;
let db: TestDatabase;
let home: string;
const running = new Set<ReturnType<typeof spawn>>();

const admin = (pathname: string, body?: unknown, method = 'POST') => simAdmin(sim, method, pathname, body);

function env(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    LOG_LEVEL: 'warn',
    DATABASE_URL: db.url,
    AUTOBACKUP_HOME: home,
    AUTOBACKUP_MASTER_KEY: TEST_MASTER_KEY.toString('hex'),
    AUTOBACKUP_LAG_SECONDS: String(LAG_MS / 1000),
  };
}

/** Starts `autobackup args…`; `done` resolves with its exit code and output. */
function start(args: string[]): { child: ReturnType<typeof spawn>; done: Promise<CliResult> } {
  const child = spawn(AUTOBACKUP_BIN, args, { env: env() });
  running.add(child);
  child.on('exit', () => running.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ status: code ?? (signal ? -1 : 1), stdout, stderr })),
  );
  return { child, done };
}

/** The newest version of `object` in the index, by (SystemModstamp, Id): what its cursor must point at. */
async function lastStored(object: string): Promise<{ systemModstamp: string; id: string } | null> {
  const reg = await getRegistryObject(db.knex, sim.orgId, object);
  const row = (await db
    .knex('versions')
    .where({ object_key: reg!.objectKey })
    .orderBy([
      { column: 'system_modstamp', order: 'desc' },
      { column: 'record_id', order: 'desc' },
    ])
    .first('record_id', 'system_modstamp')) as { record_id: string; system_modstamp: Date } | undefined;
  return row ? { systemModstamp: row.system_modstamp.toISOString(), id: row.record_id } : null;
}

before(async () => {
  sim = await startSimulator({ seed: 'small', records: BENCH_ROWS });
  // The seeded history lies outside the lag window.
  sim.org.clock.advance(LAG_MS + 60_000);
  db = await createTestDatabase();
  home = mkdtempSync(path.join(tmpdir(), 'ab-cli-sigint-'));
  await registerSimOrg(sim, db.knex);
});

after(async () => {
  for (const child of running) child.kill('SIGKILL');
  await sim?.close();
  await db?.destroy();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('Ctrl-C of a foreground backup', () => {
  test('stores the batch at hand, starts nothing new, exits 130; a second run completes the backup', async () => {
    // Every page of Bench__c takes a while: the first query (its SOQL names the object), each locator page, and
    // the /composite calls that carry them (a run's pages ride in them, first-slices.ts).
    await admin('faults', {
      rules: [
        { path: 'Bench__c', action: 'delay', delayMs: 200 },
        { path: '/query/0', action: 'delay', delayMs: 200 },
        { path: '/composite$', action: 'delay', delayMs: 200 },
      ],
    });
    const run = start(['backup', '--org', sim.orgId, '--objects', 'Bench__c']);
    // Interrupt it once it has read a page after its first and is reading the next one: pages come on their own
    // (a locator page) or in /composite calls of Bench__c alone, the first of which carries the first page (the
    // schema scan's describes come in /composite calls of many objects).
    const pagesRead = () =>
      sim.context.requests
        .list(0, 'Bench__c')
        .requests.filter(
          (r) =>
            r.endedAt !== null &&
            (/\/query\/0/.test(r.path) || (r.path.endsWith('/composite') && r.objects.length === 1)),
        ).length;
    for (let i = 0; i < 1200 && pagesRead() < 2; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(pagesRead() >= 2, 'the backup got under way');
    const stored = (await getRegistryObject(db.knex, sim.orgId, 'Bench__c'))?.versions ?? 0;
    const signalledAt = Date.now();
    run.child.kill('SIGINT');
    const result = await run.done;
    await admin('faults', undefined, 'DELETE');

    assert.equal(result.status, 130, result.stderr);
    assert.doesNotMatch(
      result.stderr,
      /pool|destroyed|abort|Unable to acquire|connection terminated|FAILED|error/i,
      'nothing failed under the stop',
    );
    // Its only output: the progress line of the object it stopped (no warning, no error).
    assert.match(result.stderr, /^Bench__c: [1-9]\d* new versions \(rest\)\n$/);

    const bench = (await getRegistryObject(db.knex, sim.orgId, 'Bench__c'))!;
    assert.ok(
      bench.versions > stored,
      `the pages read when the signal came were stored (${stored} before, ${bench.versions} after)`,
    );
    assert.ok(bench.versions < BENCH_ROWS, `stopped mid-object (${bench.versions} of ${BENCH_ROWS} stored)`);
    // Nothing new started after the signal: only the pages of the query at hand (its locator) were read, on their
    // own or in a /composite call (which, once stopping, carries no other object's read).
    const afterSignal = sim.context.requests
      .list(0, 'Bench__c')
      .requests.filter((r) => r.startedAt > signalledAt)
      .map((r) => `${r.method} ${r.path}`);
    assert.ok(afterSignal.length <= 1, `at most the page in flight was read: ${JSON.stringify(afterSignal)}`);
    assert.ok(
      afterSignal.every((r) =>
        /^(GET \/services\/data\/v[\d.]+\/query(All)?\/[^/]+|POST \/services\/data\/v[\d.]+\/composite)$/.test(
          r,
        ),
      ),
      `no new query after the signal: ${JSON.stringify(afterSignal)}`,
    );
    assert.equal(bench.backfillCompletedAt, null);
    assert.ok(bench.cursor, 'the cursor moved with what was stored');
    assert.deepEqual(bench.cursor, await lastStored('Bench__c'), 'the cursor is the last version stored');
    // No gap: every row of the org up to the cursor is stored, nothing past it.
    const cursor = bench.cursor;
    const upToCursor = [...sim.org.truth('Bench__c')].filter((v) => {
      const stamp = canonicalDatetime('SystemModstamp', v.SystemModstamp);
      return stamp < cursor.systemModstamp || (stamp === cursor.systemModstamp && v.Id <= cursor.id);
    }).length;
    assert.equal(bench.versions, upToCursor, 'every row up to the cursor is stored');
    const [{ n }] = (await db.knex('versions').where({ object_key: bench.objectKey }).count('* as n')) as [
      { n: string },
    ];
    assert.equal(Number(n), bench.versions, 'the counters match the index');
    assert.deepEqual(
      await db.knex('errors').where({ org_id: sim.orgId }).select('code', 'message'),
      [],
      'no error was recorded',
    );
    assert.equal(bench.runningSince, null, 'the object run was released');

    const rerun = await start(['backup', '--org', sim.orgId, '--until-caught-up']).done;
    assert.equal(rerun.status, 0, rerun.stderr);
    const done = (await getRegistryObject(db.knex, sim.orgId, 'Bench__c'))!;
    assert.equal(done.records, BENCH_ROWS);
    assert.equal(done.versions, BENCH_ROWS, 'no version stored twice');
    const ctx = await engineFor(
      sim,
      db.knex,
      openBlobStore(pathToFileURL(path.join(home, 'bucket')).href, { logger: createLogger('silent') }),
    );
    const verified = await verifyOrg(ctx);
    assert.deepEqual(
      verified.objects.flatMap((o) => o.gaps),
      [],
      'verify finds no gap',
    );
    const objects = objectsToBackUp(await listRegistry(db.knex, sim.orgId)).map((o) => o.name);
    assert.ok(objects.includes('Bench__c') && objects.includes('Account'));
    assert.deepEqual(
      await truthMismatches(sim, ctx.store, objects, LAG_MS),
      [],
      'the backup matches the ground truth',
    );
  });
});
