/**
 * What a backup pass costs in API calls, counted by the org simulator: the objects' first queries (with their
 * getDeleted) go 5 objects to a `/composite` call (first-slices.ts), and caught-up objects are asked together
 * whether anything changed or was deleted (change-check.ts: getUpdated and getDeleted, 25 to a call), so a pass
 * over an org with nothing new costs about one call per 10 objects — and still reads every change and delete up
 * to the org's now − lag.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../../test/sf-sim/src/index.js';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import { runBackupPass, type PassResult } from '../../src/backup/backup-pass.js';
import { DEFAULT_ENGINE_OPTIONS, type EngineContext } from '../../src/backup/engine-context.js';
import { FsBlobStore } from '../../src/store/blob/fs-blob-store.js';
import { recordHistory } from '../../src/store/versions/version-reader.js';
import { engineFor, registerSimOrg } from '../support/engine-fixture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';
import { truthMismatches } from '../support/truth-check.js';

let sim: Simulator;
let db: TestDatabase;
let bucketDir: string;
let ctx: EngineContext;

const admin = (pathname: string, body?: unknown, method = 'POST') => simAdmin(sim, method, pathname, body);
const passTheLag = () => admin('clock', { advanceMs: DEFAULT_ENGINE_OPTIONS.lagMs + 65_000 });

interface LoggedRequest {
  path: string;
  objects: string[];
}

/**
 * A pass, with the API calls it cost (the org's daily counter) besides file bodies (one call per file, by design)
 * and the paths of the requests it sent.
 */
async function countedPass(
  options: Parameters<typeof runBackupPass>[1] = {},
): Promise<{ pass: PassResult; calls: number; paths: string[]; requests: LoggedRequest[] }> {
  const used = async () =>
    ((await admin('org', undefined, 'GET')) as { apiUsage: { used: number } }).apiUsage.used;
  const since = (
    (await admin(`requests?since=${Number.MAX_SAFE_INTEGER}`, undefined, 'GET')) as { next: number }
  ).next;
  const before = await used();
  const pass = await runBackupPass(ctx, options);
  const log = (await admin(`requests?since=${since}`, undefined, 'GET')) as { requests: LoggedRequest[] };
  const bodies = log.requests.filter((r) => /\/(Body|VersionData)$/.test(r.path)).length;
  const calls = (await used()) - before - bodies;
  assert.deepEqual(
    pass.outcomes.filter((o) => !o.ok),
    [],
    'no object failed',
  );
  return { pass, calls, paths: log.requests.map((r) => r.path), requests: log.requests };
}

before(async () => {
  sim = await startSimulator({ seed: 'small' });
  db = await createTestDatabase();
  bucketDir = mkdtempSync(path.join(tmpdir(), 'ab-pass-calls-'));
  await registerSimOrg(sim, db.knex);
  ctx = await engineFor(sim, db.knex, new FsBlobStore(bucketDir));
});

after(async () => {
  await sim?.close();
  await db?.destroy();
  if (bucketDir) rmSync(bucketDir, { recursive: true, force: true });
});

describe('the API calls of a backup pass', () => {
  test('the first pass reads five objects a call, and a pass with nothing new costs about one call per 10 objects', async () => {
    await passTheLag();
    const first = await countedPass();
    const objects = first.pass.outcomes.length;
    assert.ok(objects >= 30, `the small org has many objects (${objects})`);
    const composites = first.paths.filter((p) => p.endsWith('/composite')).length;
    assert.ok(
      composites >= Math.floor(objects / 5) - 2,
      `first queries went 5 to a call (${composites} composite calls)`,
    );
    assert.ok(
      first.calls < objects,
      `the first pass cost fewer calls (${first.calls}) than there are objects (${objects}): ${first.paths.join(', ')}`,
    );

    await passTheLag();
    const idle = await countedPass();
    assert.equal(
      idle.pass.outcomes.reduce((n, o) => n + o.written + o.tombstones, 0),
      0,
    );
    // A schema scan with nothing new (describeGlobal, If-Modified-Since) and the checks' composites; a few objects
    // read otherwise (file objects, through their parents' Ids, a field list too long for one query) run.
    assert.ok(
      idle.calls <= Math.ceil(objects / 10) + 4,
      `an idle pass over ${objects} objects cost ${idle.calls} calls (${idle.paths.join(', ')})`,
    );
  });

  test('a looping foreground run scans the schema on its first pass, then once an hour, not on every pass', async () => {
    const describeGlobals = (paths: string[]) => paths.filter((p) => /\/sobjects\/?$/.test(p)).length;
    await passTheLag();
    const within = await countedPass({ scan: 'when-due' });
    assert.equal(describeGlobals(within.paths), 0, `no scan within the hour: ${within.paths.join(', ')}`);
    await admin('clock', { advanceMs: DEFAULT_ENGINE_OPTIONS.scanIntervalMs });
    const later = await countedPass({ scan: 'when-due' });
    assert.equal(describeGlobals(later.paths), 1, `a scan once the hour is up: ${later.paths.join(', ')}`);
    await passTheLag();
    assert.equal(describeGlobals((await countedPass()).paths), 1, "a run's first pass scans");
  });

  test("an object that changed lately is read in the checks' own call: its next change costs no call beyond an idle pass", async () => {
    const [contact] = sim.org
      .query('SELECT Id FROM Contact ORDER BY Id DESC LIMIT 1')
      .records.map((r) => String(r.Id));
    assert.ok(contact);
    const retitle = (title: string) =>
      admin('mutate', { object: 'Contact', ops: [{ op: 'update', ids: [contact], set: { Title: title } }] });
    // Objects read the plain way only (no file objects or parent-Id reads running besides).
    const pass = {
      scan: 'when-due',
      objects: ['Account', 'Contact', 'Lead', 'Opportunity', 'Case'],
    } as const;
    await retitle('lately 1');
    await passTheLag();
    await countedPass({ ...pass, objects: [...pass.objects] });
    await passTheLag();
    const idle = await countedPass({ ...pass, objects: [...pass.objects] });
    assert.equal(idle.calls, 1, `an idle pass over 5 objects: one call (${idle.paths.join(', ')})`);
    await retitle('lately 2');
    await passTheLag();
    const changed = await countedPass({ ...pass, objects: [...pass.objects] });
    assert.equal(
      (await recordHistory(ctx.store, sim.orgId, 'Contact', contact))[0]?.fields.Title,
      'lately 2',
      'the change is backed up',
    );
    assert.equal(changed.calls, 1, `the pass with the change: ${changed.paths.join(', ')}`);
  });

  test("the next pages of several objects' reads share calls instead of costing one each", async () => {
    const make = (object: string, n: number, extra: Record<string, string> = {}) =>
      admin('mutate', {
        object,
        ops: [
          {
            op: 'create',
            records: Array.from({ length: n }, (_, i) => ({ LastName: `Paged ${i}`, ...extra })),
          },
        ],
      });
    // 2,500 new rows each: a read of 2,000 rows a page needs a second page.
    await make('Contact', 2500);
    await make('Lead', 2500, { Company: 'Paged Ltd' });
    await passTheLag();
    const { paths, pass } = await countedPass({ scan: 'when-due' });
    const written = (name: string) => pass.outcomes.find((o) => o.object === name)?.written ?? 0;
    assert.ok(written('Contact') >= 2500 && written('Lead') >= 2500, 'both read whole');
    const nextPagesAlone = paths.filter((p) => /\/query(All)?\/[^/?]+$/.test(p));
    assert.deepEqual(nextPagesAlone, [], `next pages rode in composite calls: ${paths.join(', ')}`);
    assert.deepEqual(
      await truthMismatches(sim, ctx.store, ['Contact', 'Lead'], ctx.options.lagMs),
      [],
      'the backup matches the ground truth',
    );
  });

  test("ContentDocumentLink's batch queries ride in another object's call once its documents' Ids are at hand", async () => {
    // New files (each a document with its links) and 2,500 new Contacts, whose read needs a second page.
    for (let i = 0; i < 3; i++)
      await admin('mutate', {
        object: 'ContentVersion',
        ops: [
          {
            op: 'create',
            records: [{ Title: `Shared ${i}`, PathOnClient: `shared-${i}.txt`, VersionData: 'c2hhcmVk' }],
          },
        ],
      });
    await admin('mutate', {
      object: 'Contact',
      ops: [{ op: 'create', records: Array.from({ length: 2500 }, (_, i) => ({ LastName: `Linked ${i}` })) }],
    });
    await passTheLag();
    const { requests, pass } = await countedPass({ scan: 'when-due' });
    const written = (name: string) => pass.outcomes.find((o) => o.object === name)?.written ?? 0;
    assert.ok(written('ContentDocumentLink') >= 3, `new links read: ${written('ContentDocumentLink')}`);
    const linksAlone = requests.filter(
      (r) => r.objects.length === 1 && r.objects[0] === 'ContentDocumentLink',
    );
    assert.deepEqual(
      linksAlone.map((r) => r.path),
      [],
      'no call carried ContentDocumentLink alone',
    );
    assert.deepEqual(
      await truthMismatches(sim, ctx.store, ['ContentDocumentLink', 'Contact'], ctx.options.lagMs),
      [],
      'the backup matches the ground truth',
    );
  });

  test("ContentDocumentLink's batches for the documents the backup holds ride with its documents' Ids: a new share costs no call of its own", async () => {
    const pass = { scan: 'when-due', objects: ['Account', 'Opportunity', 'ContentDocumentLink'] } as const;
    const run = () => countedPass({ ...pass, objects: [...pass.objects] });
    await passTheLag();
    await run();
    await passTheLag();
    const idle = await run();
    assert.equal(idle.calls, 1, `an idle pass: one call (${idle.paths.join(', ')})`);
    // A document the backup holds, shared with one more record: a new link, no new document.
    const [document] = sim.org.query('SELECT Id FROM ContentDocument ORDER BY Id LIMIT 1').records;
    const [account] = sim.org.query('SELECT Id FROM Account ORDER BY Id DESC LIMIT 1').records;
    assert.ok(document && account);
    await admin('mutate', {
      object: 'ContentDocumentLink',
      ops: [
        {
          op: 'create',
          records: [{ ContentDocumentId: document.Id, LinkedEntityId: account.Id, ShareType: 'V' }],
        },
      ],
    });
    await passTheLag();
    const shared = await run();
    const written = shared.pass.outcomes.find((o) => o.object === 'ContentDocumentLink')?.written ?? 0;
    assert.equal(written, 1, 'the new link is read');
    assert.equal(shared.calls, 1, `the pass with the new link: one call (${shared.paths.join(', ')})`);
    // Alone in its pass (no check to ride with), its read is still one call: the Ids' query and the batches.
    await passTheLag();
    const alone = await countedPass({ scan: 'when-due', objects: ['ContentDocumentLink'] });
    assert.equal(alone.calls, 1, `ContentDocumentLink alone: one call (${alone.paths.join(', ')})`);
    assert.deepEqual(
      await truthMismatches(sim, ctx.store, ['ContentDocumentLink'], ctx.options.lagMs),
      [],
      'the backup matches the ground truth',
    );
  });

  test('changes, soft deletes and hard deletes in several objects are all read by a pass that batches its queries', async () => {
    const [contact] = sim.org
      .query('SELECT Id FROM Contact ORDER BY Id LIMIT 1')
      .records.map((r) => String(r.Id));
    const [soft, hard] = sim.org
      .query('SELECT Id FROM Lead ORDER BY Id LIMIT 2')
      .records.map((r) => String(r.Id));
    assert.ok(contact && soft && hard);
    await admin('mutate', {
      object: 'Contact',
      ops: [{ op: 'update', ids: [contact], set: { Title: 'batched read' } }],
    });
    await admin('mutate', { object: 'Account', ops: [{ op: 'create', records: [{ Name: 'Batched Ltd' }] }] });
    await admin('mutate', { object: 'Lead', ops: [{ op: 'delete', ids: [soft] }] });
    await admin('mutate', { object: 'Lead', ops: [{ op: 'delete', ids: [hard], hard: true }] });
    await passTheLag();
    const { pass, calls } = await countedPass();
    const objects = pass.outcomes.length;
    assert.ok(calls <= Math.ceil(objects / 10) + 6, `the pass cost ${calls} calls over ${objects} objects`);
    assert.equal(
      (await recordHistory(ctx.store, sim.orgId, 'Contact', contact))[0]?.fields.Title,
      'batched read',
    );
    assert.equal(
      (await recordHistory(ctx.store, sim.orgId, 'Lead', soft))[0]?.deleted,
      true,
      'the soft delete',
    );
    const hardHistory = await recordHistory(ctx.store, sim.orgId, 'Lead', hard);
    assert.equal(hardHistory[0]?.deleted, true, 'the hard delete is a tombstone');
    assert.deepEqual(hardHistory[0]?.fields, {});
    assert.deepEqual(
      await truthMismatches(sim, ctx.store, ['Account', 'Contact', 'Lead'], ctx.options.lagMs),
      [],
      'the backup matches the ground truth',
    );
  });
});
