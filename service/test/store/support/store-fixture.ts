/** A store on a fresh test database and an in-memory bucket, with one registered org. */
import { createTestDatabase, type TestDatabase } from '../../support/test-db.js';
import type { StoreContext } from '../../../src/store/store-context.js';
import type { VersionInput } from '../../../src/store/versions/version-entry.js';
import { MemoryBlobStore } from './memory-blob-store.js';

export const ORG_ID = '00D000000000001AAA';

export interface StoreFixture {
  db: TestDatabase;
  blobs: MemoryBlobStore;
  store: StoreContext;
  close(): Promise<void>;
}

export async function createStoreFixture(
  options: { blobs?: MemoryBlobStore; now?: () => Date } = {},
): Promise<StoreFixture> {
  const db = await createTestDatabase();
  const blobs = options.blobs ?? new MemoryBlobStore();
  await db.knex('orgs').insert({ org_id: ORG_ID, instance_url: 'https://example.my.salesforce.com' });
  const store: StoreContext = { knex: db.knex, blobs, ...(options.now ? { now: options.now } : {}) };
  return { db, blobs, store, close: () => db.destroy() };
}

export function recordId(prefix: string, n: number): string {
  return `${prefix}${String(n).padStart(12, '0')}AAA`;
}

/** Deterministic versions: `records` records, each changed `perRecord` times, one second apart. */
export function makeVersions(
  records: number,
  perRecord = 1,
  options: { prefix?: string; start?: number; padding?: number } = {},
): VersionInput[] {
  const prefix = options.prefix ?? '001';
  const start = options.start ?? Date.UTC(2024, 0, 1);
  const padding = 'x'.repeat(options.padding ?? 40);
  const out: VersionInput[] = [];
  for (let v = 0; v < perRecord; v++) {
    for (let r = 0; r < records; r++) {
      const id = recordId(prefix, r);
      const systemModstamp = new Date(start + (v * records + r) * 1000).toISOString();
      out.push({
        id,
        systemModstamp,
        deleted: false,
        fields: {
          Id: id,
          IsDeleted: false,
          Name: `Record ${r} v${v}`,
          Notes__c: padding,
          Amount: r * 1.5 + v,
          SystemModstamp: systemModstamp,
        },
      });
    }
  }
  return out;
}
