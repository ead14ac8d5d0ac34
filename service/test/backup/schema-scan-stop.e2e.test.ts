/**
 * Stopping during a schema scan (Ctrl-C, SIGTERM): no new describes start, what was described is recorded, and the
 * scan does not count as run, so the next one covers the whole org again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startSimulator } from '../../../test/sf-sim/src/index.js';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import { scanSchema } from '../../src/backup/schema-scan.js';
import { FsBlobStore } from '../../src/store/blob/fs-blob-store.js';
import { findOrg } from '../../src/store/orgs/org-repository.js';
import { getRegistryObject } from '../../src/store/registry/object-registry.js';
import { engineFor, registerSimOrg } from '../support/engine-fixture.js';
import { createTestDatabase } from '../support/test-db.js';

test('a scan asked to stop starts no more describes and is not counted as a scan', async (t) => {
  const sim = await startSimulator({ seed: 'small' });
  t.after(() => sim.close());
  const db = await createTestDatabase();
  t.after(() => db.destroy());
  const bucketDir = mkdtempSync(path.join(tmpdir(), 'ab-scan-stop-'));
  t.after(() => rmSync(bucketDir, { recursive: true, force: true }));
  await registerSimOrg(sim, db.knex);
  const ctx = await engineFor(sim, db.knex, new FsBlobStore(bucketDir));
  const describes = async () => {
    const { requests } = (await simAdmin(sim, 'GET', 'requests')) as {
      requests: Array<{ kind: string; objects: string[] }>;
    };
    return requests.filter((r) => r.kind === 'describe' && r.objects.length > 0).length;
  };

  const first = await scanSchema(ctx);
  assert.equal(first.complete, true);
  const scannedAt = (await findOrg(db.knex, sim.orgId))?.lastScanAt;
  assert.ok(scannedAt, 'a whole scan is recorded');
  await simAdmin(sim, 'POST', 'schema', {
    object: 'Stop_Test__c',
    fields: [{ name: 'Note__c', type: 'string' }],
  });

  const describedBefore = await describes();
  const stop = new AbortController();
  stop.abort();
  const stopped = await scanSchema({ ...ctx, signal: stop.signal });
  assert.equal(stopped.complete, false);
  assert.equal(await describes(), describedBefore, 'no describe started after the stop');
  assert.equal(await getRegistryObject(db.knex, sim.orgId, 'Stop_Test__c'), undefined);
  assert.deepEqual((await findOrg(db.knex, sim.orgId))?.lastScanAt, scannedAt, 'not counted as a scan');

  const next = await scanSchema(ctx);
  assert.equal(next.complete, true);
  assert.equal((await getRegistryObject(db.knex, sim.orgId, 'Stop_Test__c'))?.support, 'supported');
});
