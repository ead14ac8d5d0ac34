/**
 * Progress is in the bucket (issue #14, "Nothing lost"): after a Bulk backfill and a pass over parent-id batches,
 * a database rebuilt from the bucket alone knows each object's cursor and that its backfill is complete, so the
 * next pass reads what a pass on the original database would read (the overlap), not the whole org again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { startSimulator, type Simulator } from '../../../test/sf-sim/src/index.js';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import { runBackupPass } from '../../src/backup/backup-pass.js';
import { DEFAULT_ENGINE_OPTIONS, type EngineContext } from '../../src/backup/engine-context.js';
import { FsBlobStore } from '../../src/store/blob/fs-blob-store.js';
import type { Knex } from '../../src/store/db/knex.js';
import { getRegistryObject } from '../../src/store/registry/object-registry.js';
import { rebuildIndex } from '../../src/store/versions/rebuild-index.js';
import { engineFor, registerSimOrg } from '../support/engine-fixture.js';
import { createTestDatabase } from '../support/test-db.js';

const BULK = 'Opportunity';
const THROUGH_PARENTS = 'ContentDocumentLink';
const OBJECTS = [BULK, THROUGH_PARENTS];

/** Every object through Bulk when it has a backlog, in several windows of several result pages. */
const ENGINE = {
  restSliceSize: 250,
  bulkThreshold: 1,
  bulkWindowMaxRows: 12,
  bulkPageSize: 5,
  bulkPollIntervalMs: 20,
};

interface RequestLog {
  requests: Array<{ kind: string; objects: string[] }>;
  next: number;
}

async function requestsSince(sim: Simulator, since: number): Promise<RequestLog> {
  return (await simAdmin(sim, 'GET', `requests?since=${since}`)) as RequestLog;
}

/** One pass over OBJECTS: rows read per object, and the data-API requests it made. */
async function pass(sim: Simulator, ctx: EngineContext) {
  const since = (await requestsSince(sim, 0)).next;
  const read: Record<string, number> = Object.fromEntries(OBJECTS.map((o) => [o, 0]));
  const result = await runBackupPass(ctx, {
    objects: OBJECTS,
    progress: { objectProgress: (object, n) => (read[object] = n) },
  });
  assert.deepEqual(
    result.outcomes.filter((o) => !o.ok),
    [],
    'no object failed',
  );
  const requests = (await requestsSince(sim, since)).requests;
  return { read, outcomes: result.outcomes, requests };
}

async function progressOf(knex: Knex, orgId: string, object: string) {
  const row = await getRegistryObject(knex, orgId, object);
  return {
    cursor: row?.cursor ?? null,
    backfillCompletedAt: row?.backfillCompletedAt?.toISOString() ?? null,
  };
}

async function newDatabase(t: TestContext) {
  const db = await createTestDatabase();
  t.after(() => db.destroy());
  return db;
}

test('after a Bulk backfill and a parent-batch pass, a rebuilt index keeps cursors and backfill completion, and the next pass reads only the overlap', async (t) => {
  const sim = await startSimulator({ seed: 'small' });
  t.after(() => sim.close());
  const bucketDir = mkdtempSync(path.join(tmpdir(), 'ab-progress-'));
  t.after(() => rmSync(bucketDir, { recursive: true, force: true }));
  const blobs = new FsBlobStore(bucketDir);
  const original = await newDatabase(t);
  await registerSimOrg(sim, original.knex);
  const ctx = await engineFor(sim, original.knex, blobs, ENGINE);
  await simAdmin(sim, 'POST', 'clock', { advanceMs: DEFAULT_ENGINE_OPTIONS.lagMs + 65_000 });

  const backfill = await pass(sim, ctx);
  assert.equal(
    backfill.outcomes.find((o) => o.object === BULK)?.via,
    'rest+bulk',
    'the backfill went through Bulk',
  );
  const bulkJobs = backfill.requests.filter((r) => r.kind === 'bulkQuery' && r.objects.includes(BULK));
  assert.ok(bulkJobs.length > 0);
  for (const object of OBJECTS) assert.ok(backfill.read[object]! > 0, `${object} has records to back up`);
  // What a pass on the original database reads once the backfill is done: the overlap re-read, no Bulk.
  const steady = await pass(sim, ctx);
  const progress = Object.fromEntries(
    await Promise.all(OBJECTS.map(async (o) => [o, await progressOf(original.knex, sim.orgId, o)] as const)),
  );
  for (const object of OBJECTS) {
    assert.ok(progress[object]!.cursor, `${object} has a cursor`);
    assert.ok(progress[object]!.backfillCompletedAt, `${object} completed its backfill`);
  }

  // The database is lost: a new one, registered again, rebuilt from the bucket alone.
  const rebuiltDb = await newDatabase(t);
  await registerSimOrg(sim, rebuiltDb.knex);
  await rebuildIndex({ knex: rebuiltDb.knex, blobs }, sim.orgId);
  for (const object of OBJECTS)
    assert.deepEqual(
      await progressOf(rebuiltDb.knex, sim.orgId, object),
      progress[object],
      `${object}: cursor and backfill completion come back from the bucket`,
    );

  const next = await pass(sim, await engineFor(sim, rebuiltDb.knex, blobs, ENGINE));
  assert.deepEqual(
    next.requests.filter((r) => r.kind === 'bulkQuery'),
    [],
    'no Bulk job: nothing is backfilled again',
  );
  for (const object of OBJECTS) {
    assert.equal(next.outcomes.find((o) => o.object === object)?.written, 0, `${object}: nothing new`);
    assert.equal(
      next.read[object],
      steady.read[object],
      `${object}: reads what a pass before the rebuild read`,
    );
    assert.ok(next.read[object]! < backfill.read[object]!, `${object}: not the whole backlog again`);
  }
});
