/**
 * Large file bodies stream through without being held: the file step runs in a child process (the backup as
 * `serve` runs it), which reports its peak resident memory; a 1 GB Attachment goes to a filesystem bucket, and a
 * 48 MiB one to a GCS bucket (gcs-sim) as a resumable upload in chunks. The stored body has the org's size and
 * SHA-256. The bound on memory is generous on purpose: the real figure belongs to the benchmark.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { startGcsSim, type GcsSim } from '../../../test/gcs-sim/src/index.js';
import { startSimulator, type Simulator } from '../../../test/sf-sim/src/index.js';
import { admin as simAdmin } from '../../../test/sf-sim/test/support/sim-client.js';
import { createLogger } from '../../src/logger.js';
import { GcsBlobStore } from '../../src/store/blob/gcs-blob-store.js';
import { fileBodyKey } from '../../src/store/files/file-bodies.js';
import { registerSimOrg } from '../support/engine-fixture.js';
import { REPO_ROOT } from '../support/shared-test-postgres.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';

const CHILD = path.join(REPO_ROOT, 'service/test/fixtures/file-backup-child.ts');
const HASH_WORKER = path.join(REPO_ROOT, 'service/test/fixtures/blob-hash-worker.ts');
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
/** Peak resident memory allowed to the child: far below the 1 GB it streams. */
const RSS_BOUND = 300 * MiB;

let sim: Simulator;
let gcs: GcsSim;
const cleanup: Array<() => Promise<void> | void> = [];

interface ChildReport {
  outcomes: Array<{ object: string; ok: boolean; error?: unknown }>;
  peakRssBytes: number;
}

function runChild(plan: object): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(plan)], {
      env: { ...process.env, LOG_LEVEL: 'warn', STORAGE_EMULATOR_HOST: gcs.url },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`the child exited ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as ChildReport);
    });
  });
}

/** The SHA-256 of a body the simulator generates from (seed, size), computed on a worker thread. */
function generatedSha256(seed: string, size: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(HASH_WORKER, { workerData: { seed, size }, execArgv: ['--import', 'tsx'] });
    worker.once('message', (hex: string) => resolve(hex));
    worker.once('error', reject);
  });
}

/** The org's body of an Attachment: SHA-256 and size, read as the org streams it. */
async function orgBody(id: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of sim.org.blob('Attachment', id, 'Body').stream()) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

async function createAttachment(bytes: number, seed: string): Promise<string> {
  const parent = [...sim.org.truth('Account')][0]!.Id;
  const created = (await simAdmin(sim, 'POST', 'mutate', {
    object: 'Attachment',
    ops: [{ op: 'create', records: [{ ParentId: parent, Name: `${seed}.bin`, body: { bytes, seed } }] }],
  })) as { created: string[] };
  // Past the lag, so the record is read.
  await simAdmin(sim, 'POST', 'clock', { advanceMs: 5 * 60_000 });
  return created.created[0]!;
}

async function registeredDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  cleanup.push(() => db.destroy());
  await registerSimOrg(sim, db.knex);
  return db;
}

async function storedRow(db: TestDatabase, id: string) {
  return db
    .knex('files')
    .where({ org_id: sim.orgId, record_id: id })
    .first<{ state: string; sha256: string; size: string; error: string | null }>(
      'state',
      'sha256',
      'size',
      'error',
    );
}

before(async () => {
  sim = await startSimulator({ seed: 'small' });
  gcs = await startGcsSim();
});

after(async () => {
  for (const step of cleanup.reverse()) await step();
  await sim?.close();
  await gcs?.close();
});

describe('large file bodies', () => {
  test('a 48 MiB body goes to a GCS bucket as a chunked resumable upload', async (t) => {
    const id = await createAttachment(48 * MiB, 'gcs-large');
    const db = await registeredDatabase();
    const expected = orgBody(id);
    const report = await runChild({
      databaseUrl: db.url,
      orgId: sim.orgId,
      object: 'Attachment',
      bucket: { kind: 'gcs', bucket: 'large-files', apiEndpoint: gcs.url },
    });
    assert.deepEqual(
      report.outcomes.filter((o) => !o.ok),
      [],
    );
    const row = await storedRow(db, id);
    const body = await expected;
    assert.equal(row?.state, 'stored', row?.error ?? '');
    assert.equal(row.sha256, body.sha256);
    assert.equal(Number(row.size), body.size);
    assert.ok(gcs.stats().uploads.resumable > 0, 'streamed as a resumable upload');
    const store = new GcsBlobStore({
      bucket: 'large-files',
      apiEndpoint: gcs.url,
      logger: createLogger('silent'),
    });
    const info = await store.stat(fileBodyKey(sim.orgId, body.sha256));
    assert.equal(info?.size, 48 * MiB);
    t.diagnostic(`the child's peak RSS: ${Math.round(report.peakRssBytes / MiB)} MiB`);
    assert.ok(report.peakRssBytes < RSS_BOUND, `peak RSS ${Math.round(report.peakRssBytes / MiB)} MiB`);
  });

  test('a 1 GB body streams to a filesystem bucket without being held in memory', async (t) => {
    const id = await createAttachment(GiB, 'one-gigabyte');
    const db = await registeredDatabase();
    const bucketDir = mkdtempSync(path.join(tmpdir(), 'ab-large-file-'));
    cleanup.push(() => rmSync(bucketDir, { recursive: true, force: true }));
    // The org's hash is computed meanwhile, off the thread that serves the body to the backup.
    const expected = generatedSha256('one-gigabyte', GiB);
    const report = await runChild({
      databaseUrl: db.url,
      orgId: sim.orgId,
      object: 'Attachment',
      bucket: { kind: 'fs', dir: bucketDir },
    });
    assert.deepEqual(
      report.outcomes.filter((o) => !o.ok),
      [],
    );
    const body = { sha256: await expected, size: GiB };
    const row = await storedRow(db, id);
    assert.equal(row?.state, 'stored', row?.error ?? '');
    assert.equal(row.sha256, body.sha256);
    assert.equal(Number(row.size), GiB);
    const stored = path.join(bucketDir, fileBodyKey(sim.orgId, body.sha256));
    assert.equal(statSync(stored).size, GiB);
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(stored)) hash.update(chunk as Buffer);
    assert.equal(hash.digest('hex'), body.sha256, 'the bucket holds the org’s bytes');
    t.diagnostic(`the child's peak RSS: ${Math.round(report.peakRssBytes / MiB)} MiB`);
    assert.ok(report.peakRssBytes < RSS_BOUND, `peak RSS ${Math.round(report.peakRssBytes / MiB)} MiB`);
  });
});
