import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FsBlobStore } from '../../src/store/blob/fs-blob-store.js';
import { exportVersions } from '../../src/store/versions/version-reader.js';
import { encodeVersionLine, exportLine } from '../../src/store/versions/version-entry.js';
import {
  adoptOrphanPacks,
  collectOrphanPacks,
  rebuildIndex,
} from '../../src/store/versions/rebuild-index.js';
import type { StoreContext } from '../../src/store/store-context.js';
import { createTestDatabase } from '../support/test-db.js';
import { ORG_ID } from './support/store-fixture.js';
import { syntheticVersions } from './support/synthetic-records.js';

const WRITER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'support/crash-writer.ts');
const RECORDS = 1500;
const TOTAL = 6000;
const BATCH = 2000;

function runWriter(
  plan: Record<string, unknown>,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), WRITER, JSON.stringify(plan)],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

async function exportText(store: StoreContext): Promise<string> {
  let out = '';
  for await (const line of exportVersions(store, ORG_ID, 'Account')) out += line;
  return out;
}

async function packKeysInBucket(blobs: FsBlobStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of blobs.list(`orgs/${ORG_ID}/packs/`)) keys.push(info.key);
  return keys;
}

const EXPECTED = syntheticVersions(TOTAL, { records: RECORDS })
  .map((v) => exportLine('Account', Buffer.from(encodeVersionLine(v))) + '\n')
  .join('');

describe('crash safety of the version writer', () => {
  for (const crashAt of ['mid-upload', 'after-upload', 'mid-transaction'] as const) {
    test(`a writer killed ${crashAt} loses nothing and duplicates nothing after a restart`, async () => {
      const db = await createTestDatabase();
      const bucketDir = await mkdtemp(path.join(tmpdir(), 'crash-bucket-'));
      const blobs = new FsBlobStore(bucketDir);
      const store: StoreContext = { knex: db.knex, blobs };
      try {
        await db.knex('orgs').insert({ org_id: ORG_ID });
        const base = { dbUrl: db.url, bucketDir, records: RECORDS, batch: BATCH };

        // Batches 0 and 1 commit; the writer dies inside batch 2.
        const crashed = await runWriter({ ...base, from: 0, count: TOTAL, crashAt, crashBatch: 2 });
        assert.equal(crashed.signal, 'SIGKILL', crashed.stderr);
        const afterCrash = await db.knex('objects').where({ org_id: ORG_ID, name: 'Account' }).first();
        assert.equal(afterCrash.versions, 2 * BATCH, 'only committed batches are indexed');
        assert.equal(Number((await db.knex('versions').count({ n: '*' }))[0]!.n), 2 * BATCH);
        const committedCursor = syntheticVersions(1, { offset: 2 * BATCH - 1, records: RECORDS })[0]!;
        assert.equal(afterCrash.cursor_id, committedCursor.id);
        assert.equal(afterCrash.cursor_system_modstamp.toISOString(), committedCursor.systemModstamp);
        const orphans =
          (await packKeysInBucket(blobs)).length - Number((await db.knex('packs').count({ n: '*' }))[0]!.n);
        assert.ok(crashAt === 'mid-upload' ? orphans >= 1 : orphans >= 2, `${orphans} orphan packs`);

        // Restart: read again from a little before the cursor, as a re-read after a crash does.
        const restarted = await runWriter({
          ...base,
          from: 2 * BATCH - 500,
          count: TOTAL - (2 * BATCH - 500),
          crashAt: 'none',
          crashBatch: -1,
        });
        assert.equal(restarted.code, 0, restarted.stderr);

        assert.equal(await exportText(store), EXPECTED, 'every version exactly once, in order');
        const row = await db.knex('objects').where({ org_id: ORG_ID, name: 'Account' }).first();
        assert.equal(row.versions, TOTAL);
        assert.equal(row.records, RECORDS);
        assert.equal(Number((await db.knex('daily_stats').sum({ n: 'versions' }))[0]!.n), TOTAL);

        // Orphans left by the crash add nothing: adoption marks them, the sweep removes them.
        const adopted = await adoptOrphanPacks(store, ORG_ID, { graceMs: 0 });
        assert.equal(adopted.versionsIndexed, 0);
        assert.equal(
          (await db.knex('objects').where({ org_id: ORG_ID, name: 'Account' }).first()).versions,
          TOTAL,
        );
        await collectOrphanPacks(store, ORG_ID, { graceMs: 0 });
        const inIndex = (await db.knex('packs').where({ org_id: ORG_ID }).select('bucket_key'))
          .map((r: { bucket_key: string }) => r.bucket_key)
          .sort();
        assert.deepEqual(await packKeysInBucket(blobs), inIndex, 'bucket holds exactly the indexed packs');
        assert.equal(await exportText(store), EXPECTED);

        // And the bucket alone still rebuilds the same backup.
        const fresh = await createTestDatabase();
        try {
          const rebuilt: StoreContext = { knex: fresh.knex, blobs };
          await rebuildIndex(rebuilt, ORG_ID);
          assert.equal(await exportText(rebuilt), EXPECTED);
          const rebuiltRow = await fresh.knex('objects').where({ org_id: ORG_ID, name: 'Account' }).first();
          assert.equal(rebuiltRow.versions, TOTAL);
          assert.equal(rebuiltRow.cursor_id, row.cursor_id);
        } finally {
          await fresh.destroy();
        }
      } finally {
        await db.destroy();
        await rm(bucketDir, { recursive: true, force: true });
      }
    });
  }
});
