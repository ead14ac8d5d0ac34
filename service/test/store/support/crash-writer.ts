/**
 * A writer process for crash tests. Writes synthetic versions [from, from+count) of Account in
 * batches (cursor advancing per batch) and, when told to, SIGKILLs itself during batch `crashBatch`:
 *   mid-upload       – after the batch's first pack is in the bucket, before the others
 *   after-upload     – every pack in the bucket and the index rows streamed, before the packs rows
 *                      are written (nothing committed)
 *   mid-transaction  – index rows copied, counters not yet updated, nothing committed
 * Usage: tsx crash-writer.ts '<json {dbUrl, bucketDir, from, count, records, batch, crashAt, crashBatch}>'
 */
import { FsBlobStore } from '../../../src/store/blob/fs-blob-store.js';
import type { BlobStore } from '../../../src/store/blob/blob-store.js';
import { createKnex } from '../../../src/store/db/knex.js';
import { writeVersions } from '../../../src/store/versions/version-writer.js';
import { syntheticVersions } from './synthetic-records.js';
import { ORG_ID } from './store-fixture.js';

interface CrashPlan {
  dbUrl: string;
  bucketDir: string;
  from: number;
  count: number;
  records: number;
  batch: number;
  crashAt: 'none' | 'mid-upload' | 'after-upload' | 'mid-transaction';
  crashBatch: number;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as CrashPlan;
let armed = false;

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

const fsStore = new FsBlobStore(plan.bucketDir);
let putsInBatch = 0;
const blobs: BlobStore = new Proxy(fsStore, {
  get(target, prop, receiver) {
    if (prop === 'putIfAbsent') {
      return async (...args: Parameters<BlobStore['putIfAbsent']>) => {
        const result = await target.putIfAbsent(...args);
        putsInBatch += 1;
        // The first pack of the batch is durable; the others are still being written.
        if (armed && plan.crashAt === 'mid-upload' && putsInBatch === 1) die();
        return result;
      };
    }
    const value = Reflect.get(target, prop, receiver) as unknown;
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
  },
});

const knex = createKnex(plan.dbUrl, { poolMax: 2 });
knex.on('query', (query: { sql: string }) => {
  if (!armed) return;
  // The packs rows go with the counters in one statement after the COPY (or alone, on the row-by-row path).
  if (plan.crashAt === 'after-upload' && /insert into "?packs"?/i.test(query.sql)) die();
  if (plan.crashAt === 'mid-transaction' && /UPDATE objects SET\s+records/.test(query.sql)) die();
});

const versions = syntheticVersions(plan.count, { offset: plan.from, records: plan.records });
for (let i = 0, batchNo = 0; i < versions.length; i += plan.batch, batchNo++) {
  const batch = versions.slice(i, i + plan.batch);
  const last = batch.at(-1)!;
  armed = plan.crashAt !== 'none' && batchNo === plan.crashBatch;
  putsInBatch = 0;
  await writeVersions(
    { knex, blobs, packOptions: { blockRawBytes: 32 * 1024, maxPackBytes: 64 * 1024 } },
    ORG_ID,
    'Account',
    batch,
    {
      cursor: { systemModstamp: last.systemModstamp, id: last.id },
    },
  );
}
await knex.destroy();
