/** What the store's functions work against: the Postgres index and the bucket. */
import type { Knex } from 'knex';
import type { BlobStore } from './blob/blob-store.js';
import type { PackOptions } from './packs/pack-builder.js';

export interface StoreContext {
  knex: Knex;
  blobs: BlobStore;
  /** Overrides of the pack layout (tests, benchmarks). */
  packOptions?: Partial<PackOptions>;
  /** The clock (tests); defaults to the system clock. */
  now?: () => Date;
}

export function storeNow(store: StoreContext): Date {
  return store.now ? store.now() : new Date();
}
