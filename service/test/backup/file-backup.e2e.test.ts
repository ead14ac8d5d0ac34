/**
 * File bodies against the simulator, embedded PostgreSQL and a filesystem bucket: Objects, Pause Files backs up
 * records and no body; Objects and Files stores every body under its SHA-256 (identical bodies once), maps a
 * record whose checksum names a stored body without a download, records a failing body with its hint and retries
 * it after its backoff.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startSimulator, type Simulator } from '../../../test/sf-sim/src/index.js';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import { eraseRecords } from '../../src/app/erase-record.js';
import { runBackupPass } from '../../src/backup/backup-pass.js';
import { DEFAULT_ENGINE_OPTIONS, type EngineContext } from '../../src/backup/engine-context.js';
import { SalesforceError } from '../../src/salesforce/errors.js';
import { FsBlobStore } from '../../src/store/blob/fs-blob-store.js';
import { fileBodyKey } from '../../src/store/files/file-bodies.js';
import { updateOrgSettings } from '../../src/store/orgs/org-repository.js';
import { rebuildIndex } from '../../src/store/versions/rebuild-index.js';
import { engineFor, registerSimOrg } from '../support/engine-fixture.js';
import { bucketObjectsMentioning } from '../support/bucket-mentions.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

const FILE_OBJECTS = ['ContentVersion', 'Attachment', 'Document'];
const BLOB_PATH = /\/sobjects\/(ContentVersion|Attachment|Document)\/([^/]+)\/(VersionData|Body)$/;

let sim: Simulator;
let db: TestDatabase;
let bucketDir: string;
let ctx: EngineContext;
let shiftMs = 0;
let requestSeq = 0;

const admin = (method: string, pathname: string, body?: unknown) => simAdmin(sim, method, pathname, body);
const passTheLag = () => admin('POST', 'clock', { advanceMs: DEFAULT_ENGINE_OPTIONS.lagMs + 65_000 });

/** Record ids whose body was fetched since the last call. */
async function blobDownloads(): Promise<string[]> {
  const log = (await admin('GET', `requests?since=${requestSeq}`)) as {
    requests: Array<{ path: string; method: string }>;
    next: number;
  };
  requestSeq = log.next;
  return log.requests.flatMap((r) => {
    const m = BLOB_PATH.exec(r.path.split('?')[0]!);
    return r.method === 'GET' && m ? [m[2]!] : [];
  });
}

/** Resolves once a body request has started since the last `blobDownloads` (without consuming it). */
async function firstBodyRequest(): Promise<void> {
  for (;;) {
    const log = (await admin('GET', `requests?since=${requestSeq}`)) as { requests: Array<{ path: string }> };
    if (log.requests.some((r) => BLOB_PATH.test(r.path.split('?')[0]!))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The org's body of a record, hashed. */
async function orgBody(object: string, id: string): Promise<{ sha256: string; size: number }> {
  const field = object === 'ContentVersion' ? 'VersionData' : 'Body';
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of sim.org.blob(object, id, field).stream()) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** Live (not deleted) record ids of an object in the org. */
function liveIds(object: string): string[] {
  const latest = new Map<string, boolean>();
  for (const v of sim.org.truth(object)) latest.set(v.Id, v.IsDeleted || v.purged);
  return [...latest].filter(([, deleted]) => !deleted).map(([id]) => id);
}

async function fileRows(object?: string) {
  const q = db.knex('files').where({ org_id: sim.orgId });
  if (object) q.andWhere({ object });
  return q.select<
    Array<{ object: string; record_id: string; state: string; sha256: string | null; size: string | null }>
  >('object', 'record_id', 'state', 'sha256', 'size');
}

/** The folder of a seeded Document. */
function liveFolder(): string {
  return String([...sim.org.truth('Document')][0]!.fields.FolderId);
}

/** Drops the index (as a lost database would), keeping the org's registration and the bucket. */
async function emptyIndex(): Promise<void> {
  await db.knex('files').where({ org_id: sim.orgId }).delete();
  await db.knex('versions').delete();
  await db.knex('packs').where({ org_id: sim.orgId }).delete();
}

async function pass() {
  await passTheLag();
  const result = await runBackupPass(ctx, { objects: FILE_OBJECTS });
  assert.deepEqual(
    result.outcomes.filter((o) => !o.ok),
    [],
  );
  return result;
}

let failingId: string;
let twins: string[];

before(async () => {
  sim = await startSimulator({ seed: 'small' });
  db = await createTestDatabase();
  bucketDir = mkdtempSync(path.join(tmpdir(), 'ab-file-backup-'));
  await registerSimOrg(sim, db.knex);
  ctx = await engineFor(sim, db.knex, new FsBlobStore(bucketDir));
  ctx.store.now = () => new Date(Date.now() + shiftMs);
  // Two ContentVersions with the very same bytes.
  const created = (await admin('POST', 'mutate', {
    object: 'ContentVersion',
    ops: [
      {
        op: 'create',
        records: [
          { Title: 'Twin A', PathOnClient: 'twin-a.txt', body: { bytes: 50_000, seed: 'twin' } },
          { Title: 'Twin B', PathOnClient: 'twin-b.txt', body: { bytes: 50_000, seed: 'twin' } },
        ],
      },
    ],
  })) as { created: string[] };
  twins = created.created;
  failingId = liveIds('Attachment')[0]!;
  // The org's blob store fails for one Attachment, as Salesforce does when its file store loses a body.
  await admin('POST', 'faults', {
    rules: [
      {
        path: `/sobjects/Attachment/${failingId}/Body`,
        action: 'status',
        status: 500,
        errorCode: 'UNKNOWN_EXCEPTION',
        message:
          'An unexpected error occurred. Please include this ErrorId if you contact support: 947 (common.exception.KeystoneGetBlobFromStoresException)',
      },
    ],
  });
  requestSeq = ((await admin('GET', 'requests?since=0')) as { next: number }).next;
});

after(async () => {
  await sim?.close();
  await db?.destroy();
  if (bucketDir) rmSync(bucketDir, { recursive: true, force: true });
});

describe('file bodies', () => {
  test('Objects, Pause Files backs the records up and fetches no body', async () => {
    await updateOrgSettings(db.knex, sim.orgId, { mode: 'objects_only' });
    await pass();
    const versions = await db
      .knex('objects')
      .where({ org_id: sim.orgId })
      .whereIn('name', FILE_OBJECTS)
      .select<Array<{ name: string; versions: string; files_due_at: Date | null }>>(
        'name',
        'versions',
        'files_due_at',
      );
    assert.equal(versions.length, 3);
    for (const o of versions) {
      assert.ok(Number(o.versions) > 0, `${o.name} records backed up`);
      assert.ok(o.files_due_at !== null, `${o.name}: bodies are due once files are backed up again`);
    }
    assert.deepEqual(await blobDownloads(), [], 'no body fetched');
    assert.deepEqual(await fileRows(), []);
  });

  test('Objects and Files stores every body under its SHA-256, identical bodies once', async () => {
    await updateOrgSettings(db.knex, sim.orgId, { mode: 'objects_and_files' });
    await pass();
    const downloads = await blobDownloads();
    const rows = await fileRows();
    for (const object of FILE_OBJECTS) {
      for (const id of liveIds(object)) {
        const row = rows.find((r) => r.record_id === id);
        assert.ok(row, `${object} ${id} has a files row`);
        if (id === failingId) {
          assert.equal(row.state, 'failed');
          continue;
        }
        assert.equal(row.state, 'stored', `${object} ${id} stored`);
        const body = await orgBody(object, id);
        assert.equal(row.sha256, body.sha256, `${object} ${id}: the org's bytes`);
        assert.equal(Number(row.size), body.size);
        const stored = readFileSync(path.join(bucketDir, fileBodyKey(sim.orgId, body.sha256)));
        assert.equal(createHash('sha256').update(stored).digest('hex'), body.sha256, 'bucket bytes');
      }
    }
    // The twins: two mappings, one bucket object, and the second mapped from the first's checksum.
    const twinRows = rows.filter((r) => twins.includes(r.record_id));
    assert.equal(twinRows.length, 2);
    assert.equal(twinRows[0]!.sha256, twinRows[1]!.sha256);
    const bodies = readdirBodies();
    assert.equal(
      bodies.filter((k) => k.endsWith(twinRows[0]!.sha256!)).length,
      1,
      'the twins share one bucket object',
    );
    assert.equal(downloads.filter((id) => twins.includes(id)).length, 1, 'one twin downloaded');
    const counters = await db
      .knex('objects')
      .where({ org_id: sim.orgId, name: 'ContentVersion' })
      .first<{ files: string; file_bytes: string }>('files', 'file_bytes');
    const cvRows = rows.filter((r) => r.object === 'ContentVersion' && r.state === 'stored');
    assert.equal(Number(counters.files), cvRows.length);
    assert.equal(
      Number(counters.file_bytes),
      cvRows.reduce((n, r) => n + Number(r.size), 0),
    );
  });

  test('a failing body is listed with its hint, the rest stored; it is retried after its backoff', async () => {
    const errors = await db
      .knex('errors')
      .where({ org_id: sim.orgId, record_id: failingId })
      .whereNull('closed_at')
      .select<Array<{ code: string; message: string; hint: string | null }>>('code', 'message', 'hint');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.code, 'UNKNOWN_EXCEPTION');
    assert.match(errors[0]!.message, /KeystoneGetBlobFromStoresException/);
    assert.match(errors[0]!.hint ?? '', /blob store/);

    await admin('DELETE', 'faults');
    await pass();
    assert.deepEqual(await blobDownloads(), [], 'not retried before its backoff');
    assert.equal((await fileRows('Attachment')).find((r) => r.record_id === failingId)?.state, 'failed');

    shiftMs = 16 * 60_000;
    await pass();
    assert.deepEqual(await blobDownloads(), [failingId], 'retried once the backoff passed');
    const row = (await fileRows('Attachment')).find((r) => r.record_id === failingId);
    assert.equal(row?.state, 'stored');
    assert.equal(row?.sha256, (await orgBody('Attachment', failingId)).sha256);
    const open = await db
      .knex('errors')
      .where({ org_id: sim.orgId, record_id: failingId })
      .whereNull('closed_at')
      .count<Array<{ count: string }>>('* as count');
    assert.equal(Number(open[0]!.count), 0, 'its error closed');
  });

  test('a ContentVersion whose checksum and size match a stored body is mapped without a download', async () => {
    const created = (await admin('POST', 'mutate', {
      object: 'ContentVersion',
      ops: [
        {
          op: 'create',
          records: [{ Title: 'Twin C', PathOnClient: 'c.txt', body: { bytes: 50_000, seed: 'twin' } }],
        },
      ],
    })) as { created: string[] };
    const id = created.created[0]!;
    await pass();
    assert.deepEqual(await blobDownloads(), [], 'no body downloaded');
    const row = (await fileRows('ContentVersion')).find((r) => r.record_id === id);
    assert.equal(row?.state, 'stored');
    assert.equal(row?.sha256, (await orgBody('ContentVersion', id)).sha256);
  });

  test('switching to Objects, Pause Files stops a running file step after the file at hand', async () => {
    const created = (await admin('POST', 'mutate', {
      object: 'Document',
      ops: [
        {
          op: 'create',
          records: [1, 2, 3].map((i) => ({
            Name: `Paused ${i}`,
            DeveloperName: `Paused_${i}`,
            FolderId: liveFolder(),
            body: { bytes: 10_000, seed: `paused-${i}` },
          })),
        },
      ],
    })) as { created: string[] };
    // Each body takes 2.5 s to start (longer than the step waits between looks at the mode): the mode changes
    // while the first is on its way.
    await admin('POST', 'faults', {
      rules: [{ path: '/sobjects/Document/[^/]+/Body', action: 'delay', delayMs: 2500 }],
    });
    await passTheLag();
    const running = runBackupPass(ctx, { objects: ['Document'] });
    await firstBodyRequest();
    await updateOrgSettings(db.knex, sim.orgId, { mode: 'objects_only' });
    const result = await running;
    assert.deepEqual(
      result.outcomes.map((o) => [o.ok, o.complete]),
      [[true, true]],
      'the records are done; the bodies wait for the mode',
    );
    const fetched = await blobDownloads();
    assert.equal(fetched.length, 1, `one body fetched, then the step stopped (${fetched.join(', ')})`);
    const due = await db
      .knex('objects')
      .where({ org_id: sim.orgId, name: 'Document' })
      .first<{ files_due_at: Date | null }>('files_due_at');
    assert.ok(due.files_due_at !== null, 'the rest is due once files are backed up again');

    await admin('DELETE', 'faults');
    await updateOrgSettings(db.knex, sim.orgId, { mode: 'objects_and_files' });
    await pass();
    const rows = await fileRows('Document');
    for (const id of created.created)
      assert.equal(rows.find((r) => r.record_id === id)?.state, 'stored', `Document ${id}`);
    assert.equal((await blobDownloads()).length, 2, 'the two left are fetched');
  });

  test('a streamed download renews a revoked token once; an error body becomes a SalesforceError', async () => {
    const id = liveIds('Attachment')[1]!;
    await admin('DELETE', 'sessions');
    const response = await ctx.session.openStream({ path: `/sobjects/Attachment/${id}/Body` });
    const hash = createHash('sha256');
    for await (const chunk of response.body) hash.update(chunk as Buffer);
    assert.equal(hash.digest('hex'), (await orgBody('Attachment', id)).sha256);
    assert.equal(response.size, (await orgBody('Attachment', id)).size);
    const missing = await ctx.session
      .openStream({ path: '/sobjects/Attachment/00P000000000zzzAAA/Body' })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    assert.ok(missing instanceof SalesforceError);
    assert.equal(missing.status, 404);
    assert.equal(missing.errorCode, 'NOT_FOUND');
    await blobDownloads();
  });

  test('a rebuilt index brings the file mappings back', async () => {
    const before = await fileRows();
    await emptyIndex();
    await rebuildIndex(ctx.store, sim.orgId);
    const after = await fileRows();
    const key = (r: { record_id: string; sha256: string | null }) => `${r.record_id}/${r.sha256}`;
    assert.deepEqual(
      after
        .filter((r) => r.state === 'stored')
        .map(key)
        .sort(),
      before
        .filter((r) => r.state === 'stored')
        .map(key)
        .sort(),
    );
  });

  test('erasing a file record removes its mappings, and its body when no other record names it', async () => {
    const rows = await fileRows();
    const cv = rows.find(
      (r) => r.object === 'ContentVersion' && rows.filter((o) => o.sha256 === r.sha256).length === 1,
    )!;
    const alone = path.join(bucketDir, fileBodyKey(sim.orgId, cv.sha256!));
    assert.ok(existsSync(alone));
    const twinBody = path.join(
      bucketDir,
      fileBodyKey(sim.orgId, (await orgBody('ContentVersion', twins[0]!)).sha256),
    );
    const erased = [cv.record_id, twins[0]!];
    const mapped = (r: { record_id: string; sha256: string | null; state: string }) =>
      r.state === 'stored' && !erased.includes(r.record_id);
    const kept = (await fileRows()).filter(mapped).map((r) => `${r.record_id}/${r.sha256}`);
    assert.ok((await mentioning(twins[0]!)).length > 0);
    const app = { config: {} as never, logger: ctx.logger, store: ctx.store, now: () => new Date() };
    const report = await eraseRecords(app, { orgId: sim.orgId, object: 'ContentVersion', ids: erased });
    assert.ok(report.records.every((r) => r.fileMappings > 0 && r.packsRewritten >= 2));
    for (const id of erased) assert.deepEqual(await mentioning(id), [], `no bucket object names ${id}`);
    assert.deepEqual(
      (await fileRows('ContentVersion')).filter(
        (r) => r.record_id === cv.record_id || r.record_id === twins[0],
      ),
      [],
    );
    assert.ok(!existsSync(alone), 'a body no other record names is deleted');
    assert.ok(existsSync(twinBody), 'a body the other twins still name stays');
    // A rebuild does not bring the erased mappings back.
    await emptyIndex();
    await rebuildIndex(ctx.store, sim.orgId);
    const rebuilt = await fileRows('ContentVersion');
    assert.ok(rebuilt.length > 0);
    assert.ok(!rebuilt.some((r) => r.record_id === cv.record_id || r.record_id === twins[0]));
    assert.deepEqual(
      (await fileRows())
        .filter(mapped)
        .map((r) => `${r.record_id}/${r.sha256}`)
        .sort(),
      kept.sort(),
      'the other mappings come back from the rewritten packs',
    );
    // The other twin's body still downloads through its mapping.
    const other = await db.knex('files').where({ org_id: sim.orgId, record_id: twins[1] }).first();
    const body = readFileSync(path.join(bucketDir, fileBodyKey(sim.orgId, other.sha256)));
    assert.equal(createHash('sha256').update(body).digest('hex'), other.sha256);
  });
});

/** Bucket objects (in the bucket folder) naming `id` in clear. */
const mentioning = (id: string) =>
  bucketObjectsMentioning(new FsBlobStore(bucketDir), `orgs/${sim.orgId}/`, id);

function readdirBodies(): string[] {
  const root = path.join(bucketDir, 'orgs', sim.orgId, 'files', 'sha256');
  const out: string[] = [];
  for (const dir of readdirSyncSafe(root))
    for (const name of readdirSyncSafe(path.join(root, dir))) out.push(`${dir}/${name}`);
  return out;
}

function readdirSyncSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
