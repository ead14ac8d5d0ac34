/**
 * Three `autobackup serve` processes on one database and one bucket back up three simulated orgs, as replicas of a
 * deployment do. Proven from outside the service: each org's simulator logs which session (one per process and
 * org) read which object when, so no object may be read by two sessions at the same moment; the index holds each
 * version once, as many entries as the packs it names; and after one process is killed with SIGKILL while it
 * holds an object, the others finish every org with nothing missing against the simulators' ground truth.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../../test/sf-sim/src/index.js';
import type { LoggedRequest } from '../../../test/sf-sim/src/http/request-log.js';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import { FsBlobStore } from '../../src/store/blob/fs-blob-store.js';
import { setOrgEnabled } from '../../src/store/orgs/org-repository.js';
import { listRegistry } from '../../src/store/registry/object-registry.js';
import { AUTOBACKUP_BIN, freePort } from '../support/cli-e2e.js';
import { registerSimOrg, TEST_MASTER_KEY } from '../support/engine-fixture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';
import { truthMismatches } from '../support/truth-check.js';

const ORGS = 3;
const PROCESSES = 3;
const BIG_OBJECT = 'Bench__c';
const LAG_SECONDS = 120;

let sims: Simulator[] = [];
let db: TestDatabase;
let home: string;
const processes: ChildProcess[] = [];
/** Processes that ended by themselves: the test stops waiting at once and names why. */
const failures: string[] = [];

function startServe(index: number, port: number): ChildProcess {
  const child = spawn(AUTOBACKUP_BIN, ['serve', '--host', '127.0.0.1'], {
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      PORT: String(port),
      DATABASE_URL: db.url,
      AUTOBACKUP_HOME: home,
      STORAGE_URL: `file://${path.join(home, 'bucket')}`,
      AUTOBACKUP_MASTER_KEY: TEST_MASTER_KEY.toString('hex'),
      AUTOBACKUP_LAG_SECONDS: String(LAG_SECONDS),
      AUTOBACKUP_TICK_SECONDS: '1',
      // Short slices, so the big objects change hands between processes many times.
      AUTOBACKUP_SLICE_SECONDS: '5',
      // REST slices (not one Bulk job), so the big object's backfill spans several slices and the kill lands in it.
      AUTOBACKUP_BULK_THRESHOLD: '1000000',
      AUTOBACKUP_WORKERS: '3',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.on('exit', (code, signal) => {
    if (signal !== 'SIGKILL')
      failures.push(`serve ${index} exited (${code ?? signal}): ${stderr.slice(-4000)}`);
  });
  processes.push(child);
  return child;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (failures.length > 0) throw new Error(failures.join('\n'));
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const activeObjects = async (orgId: string) =>
  (await listRegistry(db.knex, orgId)).filter((o) => o.support === 'supported' && o.access === 'available');

/**
 * The requests that back up an object's records (queryAll and Bulk queries, getDeleted/getUpdated). Describes
 * belong to the schema scan, and plain queries read other objects' Ids (ContentDocumentLink is listed through
 * batches of ContentDocument Ids), so neither is work on the object they name.
 */
const RECORD_READS = new Set(['queryAll', 'bulkQuery', 'deleted', 'updated']);

/** Pairs of requests for one object, from two sessions, that were in flight at the same time. */
function simultaneousReads(requests: LoggedRequest[]): string[] {
  const byObject = new Map<string, LoggedRequest[]>();
  for (const r of requests) {
    if (!RECORD_READS.has(r.kind)) continue;
    for (const object of r.objects) byObject.set(object, [...(byObject.get(object) ?? []), r]);
  }
  const clashes: string[] = [];
  for (const [object, list] of byObject) {
    list.sort((a, b) => a.startedAt - b.startedAt);
    for (let i = 0; i < list.length; i++) {
      const a = list[i]!;
      const aEnd = a.endedAt ?? Number.POSITIVE_INFINITY;
      for (let j = i + 1; j < list.length && list[j]!.startedAt < aEnd; j++) {
        const b = list[j]!;
        if (b.session !== a.session)
          clashes.push(
            `${object}: ${a.method} ${a.path} (${a.session}) and ${b.method} ${b.path} (${b.session})`,
          );
      }
    }
  }
  return clashes;
}

before(async () => {
  db = await createTestDatabase();
  home = mkdtempSync(path.join(tmpdir(), 'ab-replicas-'));
  for (let i = 0; i < ORGS; i++) {
    const sim = await startSimulator({ seed: 'small', seedValue: `replicas-${i}`, records: 8000 });
    sims.push(sim);
    sim.org.clock.advance(5 * 60_000); // the seeded history falls outside the lag window
    // The big object's reads take a while, so its slices are cut by the time budget and a kill lands mid-slice.
    await simAdmin(sim, 'POST', 'faults', {
      rules: [{ path: `${BIG_OBJECT}|/query/`, action: 'delay', delayMs: 400 }],
    });
    const { orgId } = await registerSimOrg(sim, db.knex);
    assert.equal(orgId, sim.orgId);
    await setOrgEnabled(db.knex, orgId);
  }
});

after(async () => {
  for (const child of processes) child.kill('SIGKILL');
  await Promise.all(sims.map((sim) => sim.close()));
  sims = [];
  await db?.destroy();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('three serve processes on one database', () => {
  test('share the orgs without reading one object twice at once, and lose nothing when one is killed', async () => {
    const started = processes.length;
    for (let i = 0; i < PROCESSES; i++) startServe(i, await freePort());
    const pids = new Set(processes.slice(started).map((p) => p.pid!));

    // Kill the process that holds a big object's lease while that object is still backfilling.
    const victim = await waitFor(
      'a process holding a backfilling object',
      async () => {
        const row = await db
          .knex('objects')
          .where({ name: BIG_OBJECT })
          .whereNotNull('running_lease')
          .whereNull('backfill_completed_at')
          .first<{ running_lease: string; org_id: string } | undefined>('running_lease', 'org_id');
        const pid = row ? Number(row.running_lease.split('|')[1]) : undefined;
        return pid !== undefined && pids.has(pid) ? { pid, orgId: row!.org_id } : undefined;
      },
      120_000,
    );
    const killed = processes.find((p) => p.pid === victim.pid)!;
    killed.kill('SIGKILL');
    await new Promise((r) => killed.once('exit', r));

    await waitFor(
      'every org caught up',
      async () => {
        for (const sim of sims) {
          const active = await activeObjects(sim.orgId);
          if (active.length < 10 || !active.every((o) => o.backfillCompletedAt && o.caughtUpAt))
            return undefined;
        }
        return true;
      },
      240_000,
    );

    const store = { knex: db.knex, blobs: new FsBlobStore(path.join(home, 'bucket')) };
    for (const sim of sims) {
      const objects = (await activeObjects(sim.orgId)).map((o) => o.name);
      assert.deepEqual(
        await truthMismatches(sim, store, objects, LAG_SECONDS * 1000),
        [],
        `org ${sim.orgId} is complete`,
      );
      const { requests, dropped } = (await simAdmin(sim, 'GET', 'requests')) as {
        requests: LoggedRequest[];
        dropped: number;
      };
      assert.equal(dropped, 0);
      const readers = new Set(
        requests.filter((r) => r.objects.includes(BIG_OBJECT) && r.status === 200).map((r) => r.session),
      );
      assert.ok(
        readers.size >= 2 || sim.orgId !== victim.orgId,
        'the killed process’s object went on elsewhere',
      );
      assert.deepEqual(simultaneousReads(requests), [], `org ${sim.orgId}: no object read by two at once`);
    }

    // Each version once: as many index rows as entries in the packs they point into.
    const { rows, entries } = (await db.knex
      .select(
        db.knex.raw('(SELECT count(*)::int FROM versions) AS rows'),
        db.knex.raw(
          `(SELECT coalesce(sum(entry_count), 0)::int FROM packs WHERE kind = 'versions') AS entries`,
        ),
      )
      .first()) as { rows: number; entries: number };
    assert.ok(rows > ORGS * 8000, `the big objects are in (${rows} versions)`);
    assert.equal(entries, rows, 'no version written twice');
  });
});
