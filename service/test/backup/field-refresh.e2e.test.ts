/**
 * A field that becomes readable after records were backed up: the records stored before are read again for it, a
 * record with a value gets a new version (a revision at its unchanged SystemModstamp), and verify names the field
 * until that is done.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../../test/sf-sim/src/index.js';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import { runBackupPass } from '../../src/backup/backup-pass.js';
import { DEFAULT_ENGINE_OPTIONS, type EngineContext } from '../../src/backup/engine-context.js';
import { scanSchema } from '../../src/backup/schema-scan.js';
import { verifyOrg } from '../../src/backup/verify.js';
import { FsBlobStore } from '../../src/store/blob/fs-blob-store.js';
import { getRegistryObject } from '../../src/store/registry/object-registry.js';
import { orgStamp } from '../../src/store/versions/version-entry.js';
import { recordHistory } from '../../src/store/versions/version-reader.js';
import { engineFor, registerSimOrg } from '../support/engine-fixture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

let sim: Simulator;
let db: TestDatabase;
let bucketDir: string;
let ctx: EngineContext;

const admin = (pathname: string, body?: unknown) => simAdmin(sim, 'POST', pathname, body);
const passTheLag = () => admin('clock', { advanceMs: DEFAULT_ENGINE_OPTIONS.lagMs + 65_000 });

/** The org's current Phone of every Account that has one. */
function phonesInOrg(): Map<string, string> {
  const latest = new Map<string, { phone: unknown; deleted: boolean }>();
  for (const v of sim.org.truth('Account'))
    latest.set(v.Id, { phone: v.fields.Phone ?? null, deleted: v.IsDeleted || v.purged });
  const phones = new Map<string, string>();
  for (const [id, v] of latest) if (!v.deleted && typeof v.phone === 'string') phones.set(id, v.phone);
  return phones;
}

const fieldGaps = async () =>
  (await verifyOrg(ctx, ['Account'])).objects
    .flatMap((o) => o.gaps)
    .filter((g) => g.kind === 'field-not-held');

before(async () => {
  sim = await startSimulator({ seed: 'small' });
  db = await createTestDatabase();
  bucketDir = mkdtempSync(path.join(tmpdir(), 'ab-field-refresh-'));
  await registerSimOrg(sim, db.knex);
  // A slice of 5 makes the re-read take many pages and stop and resume on its own cursor.
  ctx = await engineFor(sim, db.knex, new FsBlobStore(bucketDir), {
    restSliceSize: 5,
    bulkThreshold: 1_000_000,
  });
});

after(async () => {
  await sim?.close();
  await db?.destroy();
  if (bucketDir) rmSync(bucketDir, { recursive: true, force: true });
});

describe('a field that becomes readable', () => {
  test('is backed up for the records stored before, and verify names it until then', async () => {
    await admin('permissions', { object: 'Account', fields: { Phone: false } });
    await passTheLag();
    const first = await runBackupPass(ctx, { objects: ['Account'] });
    assert.deepEqual(
      first.outcomes.filter((o) => !o.ok),
      [],
    );
    const phones = phonesInOrg();
    assert.ok(phones.size >= 3, `accounts with a phone in the org (${phones.size})`);
    const [someId, somePhone] = [...phones][0]!;
    const before = await recordHistory(ctx.store, sim.orgId, 'Account', someId);
    assert.equal(before[0]!.fields.Phone, undefined, 'hidden: not in the backup');
    assert.deepEqual(await fieldGaps(), [], 'nothing readable is missing yet');

    await admin('permissions', { object: 'Account', fields: { Phone: true } });
    await scanSchema(ctx);
    const gaps = await fieldGaps();
    assert.deepEqual(
      gaps.map((g) => g.object + '.' + /^(\w+)/.exec(g.detail)![1]),
      ['Account.Phone'],
      'verify names the field readable in the org but absent from the backup',
    );

    const second = await runBackupPass(ctx, { objects: ['Account'] });
    const outcome = second.outcomes.find((o) => o.object === 'Account')!;
    assert.ok(outcome.ok && outcome.complete, JSON.stringify(outcome));
    assert.equal(outcome.written, phones.size, 'one new version per account with a phone, none for the rest');
    for (const [id, phone] of phones) {
      const newest = (await recordHistory(ctx.store, sim.orgId, 'Account', id))[0]!;
      assert.equal(newest.fields.Phone, phone, `${id} has its phone in the backup`);
    }
    const after = await recordHistory(ctx.store, sim.orgId, 'Account', someId);
    assert.equal(after.length, before.length + 1);
    assert.equal(after[0]!.fields.Phone, somePhone);
    assert.equal(orgStamp(after[0]!.systemModstamp), orgStamp(before[0]!.systemModstamp), 'the same save');
    assert.ok(
      after[0]!.systemModstamp > before[0]!.systemModstamp,
      'a revision, after the version it completes',
    );

    assert.deepEqual(await fieldGaps(), [], 'held for every record now');
    const account = await getRegistryObject(db.knex, sim.orgId, 'Account');
    assert.equal(account?.fieldRefresh, null);
    assert.ok(account?.coveredFields?.includes('Phone'));
    const third = await runBackupPass(ctx, { objects: ['Account'] });
    assert.equal(third.outcomes.find((o) => o.object === 'Account')!.written, 0, 'nothing is read twice');
  });
});
