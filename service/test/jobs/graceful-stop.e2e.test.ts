/**
 * SIGTERM in the middle of a slice, as a platform stopping a replica does: `autobackup serve` (a real process on
 * the test's database and bucket) is backfilling a large, slowed object when the signal comes; it stores the batch
 * it was reading, lets go of the object and exits 0 well within its stop timeout; a second `serve` goes on at once
 * from the stored cursor (never from the beginning) and ends with everything the org holds.
 *
 * Seen from outside the process: the simulator's request log (which request was in flight, which session read
 * what), a fault rule that counts queries starting from the beginning, the database (cursor, lease, versions,
 * queue) and the simulator's ground truth.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../../test/sf-sim/src/index.js';
import type { LoggedRequest } from '../../../test/sf-sim/src/http/request-log.js';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import { FsBlobStore } from '../../src/store/blob/fs-blob-store.js';
import { canonicalDatetime } from '../../src/store/packs/canonical-record.js';
import { setOrgEnabled } from '../../src/store/orgs/org-repository.js';
import { getRegistryObject, listRegistry } from '../../src/store/registry/object-registry.js';
import { compareVersions } from '../../src/store/versions/version-entry.js';
import { recordHistory } from '../../src/store/versions/version-reader.js';
import { AUTOBACKUP_BIN } from '../support/cli-e2e.js';
import { registerSimOrg, TEST_MASTER_KEY } from '../support/engine-fixture.js';
import { indexMismatches } from '../support/index-check.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';
import { truthMismatches } from '../support/truth-check.js';

const BIG = 'Bench__c';
const ROWS = 25_000;
/** Rows per REST query slice (the engine's default): the big object is read in three batches. */
const BATCH = 10_000;
/** Rows of a REST query's page: a stopping slice stores the page at hand and reads no further. */
const PAGE = 2000;
const LAG_SECONDS = 120;
/** How long `serve` gives a shutdown before it exits anyway (the lifecycle's bound). */
const STOP_TIMEOUT_MS = 15_000;
/** Every record query of the big object is held this long, so a SIGTERM lands while one is being read. */
const QUERY_DELAY_MS = 3000;
/** Record queries of the big object that start from the beginning (no cursor): counted by their own rule. */
const FROM_SCRATCH = `FROM%20${BIG}%20WHERE%20SystemModstamp%20%3C%3D.*ORDER%20BY`;

let sim: Simulator;
let db: TestDatabase;
let home: string;
const processes: ChildProcess[] = [];

interface Serve {
  child: ChildProcess;
  exit: Promise<number | null>;
  stderr(): string;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function startServe(): Promise<Serve> {
  const child = spawn(AUTOBACKUP_BIN, ['serve', '--host', '127.0.0.1'], {
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      PORT: String(await freePort()),
      DATABASE_URL: db.url,
      AUTOBACKUP_HOME: home,
      STORAGE_URL: `file://${path.join(home, 'bucket')}`,
      AUTOBACKUP_MASTER_KEY: TEST_MASTER_KEY.toString('hex'),
      AUTOBACKUP_LAG_SECONDS: String(LAG_SECONDS),
      AUTOBACKUP_TICK_SECONDS: '1',
      // Longer than the test: the big object's backfill is one slice, which the signal interrupts.
      AUTOBACKUP_SLICE_SECONDS: '120',
      // Read through REST slices of 10,000 rows (a COUNT() first), not Bulk: the signal lands on a slice's query.
      AUTOBACKUP_BULK_THRESHOLD: '1000000',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  processes.push(child);
  return { child, exit, stderr: () => stderr };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

type RequestLog = { requests: LoggedRequest[]; next: number; dropped: number };
const bigRequests = async (since = 0): Promise<LoggedRequest[]> =>
  ((await simAdmin(sim, 'GET', `requests?since=${since}&object=${BIG}`)) as RequestLog).requests;
/** A query's first page (later pages follow its locator under /query/). */
const isFirstPage = (r: LoggedRequest) => /\/queryAll\/?$/.test(r.path);

async function fromScratchRemaining(): Promise<number> {
  const { rules } = (await simAdmin(sim, 'GET', 'faults')) as {
    rules: Array<{ path: string; remaining: number | null }>;
  };
  return rules.find((r) => r.path === FROM_SCRATCH)?.remaining ?? 0;
}

async function bigObjectRow() {
  return db
    .knex('objects')
    .where({ org_id: sim.orgId, name: BIG })
    .first<
      | { running_lease: string | null; cursor_system_modstamp: Date | null; cursor_id: string | null }
      | undefined
    >('running_lease', 'cursor_system_modstamp', 'cursor_id');
}

/** The big object's rows in cursor order (SystemModstamp, then Id), from the simulator's ground truth. */
function truthInCursorOrder(): Array<{ systemModstamp: string; id: string }> {
  return [...sim.org.truth(BIG)]
    .map((v) => ({
      systemModstamp: new Date(canonicalDatetime('SystemModstamp', v.SystemModstamp)).toISOString(),
      id: v.Id,
    }))
    .sort(compareVersions);
}

before(async () => {
  sim = await startSimulator({ seed: 'small', records: ROWS });
  sim.org.clock.advance(5 * 60_000); // the seeded history falls outside the lag window
  await simAdmin(sim, 'POST', 'faults', {
    rules: [
      { path: FROM_SCRATCH, action: 'delay', delayMs: QUERY_DELAY_MS, count: 1000 },
      { path: `FROM%20${BIG}%20WHERE.*ORDER%20BY`, action: 'delay', delayMs: QUERY_DELAY_MS },
    ],
  });
  db = await createTestDatabase();
  home = mkdtempSync(path.join(tmpdir(), 'ab-graceful-'));
  await registerSimOrg(sim, db.knex);
  await setOrgEnabled(db.knex, sim.orgId);
});

after(async () => {
  for (const child of processes) child.kill('SIGKILL');
  await sim?.close();
  await db?.destroy();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('serve stopped by SIGTERM mid-slice', () => {
  test('stores the batch at hand, lets go of the object, and a second serve finishes from its cursor', async (t) => {
    const rows = truthInCursorOrder();
    const first = await startServe();

    // Wait until the first batch is stored and the second is being read (its query held by the delay rule).
    const inFlight = await waitFor(
      'the second batch of the big object being read',
      async () => {
        const row = await bigObjectRow();
        if (!row?.cursor_id || !row.running_lease) return undefined;
        const reading = (await bigRequests()).find(
          (r) => isFirstPage(r) && r.endedAt === null && r.startedAt < Date.now() - 500,
        );
        if (!reading) return undefined;
        const cursor = { systemModstamp: row.cursor_system_modstamp!.toISOString(), id: row.cursor_id };
        // The cursor read belongs to the batch in flight only if that query is still running now.
        const still = (await bigRequests(reading.seq - 1)).find((r) => r.seq === reading.seq);
        return still?.endedAt === null ? { seq: reading.seq, cursor } : undefined;
      },
      90_000,
    );
    const signalled = Date.now();
    first.child.kill('SIGTERM');
    const readFrom = rows.findIndex((r) => compareVersions(r, inFlight.cursor) > 0);
    assert.equal(readFrom, BATCH, 'one batch stored before the signal, the second in flight');
    const code = await first.exit;
    const stoppedInMs = Date.now() - signalled;
    assert.equal(code, 0, `exit code 0 after SIGTERM\n${first.stderr().slice(-3000)}`);
    assert.ok(stoppedInMs < STOP_TIMEOUT_MS, `stopped in ${stoppedInMs} ms, within the stop timeout`);
    t.diagnostic(`serve exited ${stoppedInMs} ms after SIGTERM`);

    // The page in flight was answered and stored, and no later page was asked for: the cursor is at its last row.
    const fromScratch = await fromScratchRemaining();
    assert.ok(fromScratch < 1000, 'the backfill started from the beginning (the counting rule matches)');
    const read = (await bigRequests(inFlight.seq - 1)).find((r) => r.seq === inFlight.seq)!;
    assert.equal(read.status, 200, 'the query in flight was answered, not dropped');
    assert.ok(read.endedAt! > signalled, 'the signal came while that batch was being read');
    const batchEnd = rows[readFrom + PAGE - 1]!;
    const row = (await bigObjectRow())!;
    assert.deepEqual(
      { systemModstamp: row.cursor_system_modstamp!.toISOString(), id: row.cursor_id },
      batchEnd,
      'the cursor is at the last row of the page that was being read',
    );
    const store = { knex: db.knex, blobs: new FsBlobStore(path.join(home, 'bucket')) };
    assert.equal((await recordHistory(store, sim.orgId, BIG, batchEnd.id)).length, 1, 'its last row stored');
    const stored = await indexMismatches(sim, db.knex, BIG, batchEnd);
    assert.deepEqual(
      {
        missing: stored.missing.slice(0, 5),
        unexpected: stored.unexpected.slice(0, 5),
        stored: stored.stored,
      },
      { missing: [], unexpected: [], stored: readFrom + PAGE },
      'every row up to the cursor stored once, nothing after it',
    );
    // Let go at once: no lease left to go stale, no job left active for a heartbeat to expire.
    assert.equal(row.running_lease, null, 'the run lease released');
    const active = await db
      .knex('pgboss.job')
      .where({ state: 'active' })
      .count<Array<{ n: string }>>({ n: '*' });
    assert.equal(Number(active[0]!.n), 0, 'no job left active');

    // A second process takes the object up at once and goes on from the cursor.
    const seenUpTo = Math.max(...(await bigRequests()).map((r) => r.seq));
    const startedAt = Date.now();
    const second = await startServe();
    await waitFor(
      'the second serve reading the big object',
      async () => ((await bigRequests(seenUpTo)).some(isFirstPage) ? true : undefined),
      30_000,
    );
    const takenUpInMs = Date.now() - startedAt;
    assert.ok(takenUpInMs < 30_000, 'taken up without waiting for a lease to go stale (90 s)');
    t.diagnostic(`the second serve read the object ${takenUpInMs} ms after it was started`);
    const objects = await waitFor(
      'every object caught up',
      async () => {
        const active = (await listRegistry(db.knex, sim.orgId)).filter(
          (o) => o.support === 'supported' && o.access === 'available',
        );
        return active.length > 10 && active.every((o) => o.backfillCompletedAt && o.caughtUpAt)
          ? active
          : undefined;
      },
      90_000,
    );
    assert.equal(await fromScratchRemaining(), fromScratch, 'no query started from the beginning again');

    // Everything the org holds is in the backup, each version once.
    const big = (await getRegistryObject(db.knex, sim.orgId, BIG))!;
    assert.ok(big.caughtUpAt);
    const index = await indexMismatches(sim, db.knex, BIG);
    assert.deepEqual(
      { missing: index.missing.slice(0, 5), unexpected: index.unexpected.slice(0, 5), stored: index.stored },
      { missing: [], unexpected: [], stored: ROWS },
    );
    const others = objects.map((o) => o.name).filter((name) => name !== BIG);
    assert.deepEqual(await truthMismatches(sim, store, others, LAG_SECONDS * 1000), []);

    second.child.kill('SIGTERM');
    assert.equal(await second.exit, 0);
  });
});
