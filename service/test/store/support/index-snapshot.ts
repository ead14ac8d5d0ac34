/** What rebuild and compaction tests compare: every exported version, and the index's figures. */
import { exportVersions } from '../../../src/store/versions/version-reader.js';
import type { StoreContext } from '../../../src/store/store-context.js';
import type { TestDatabase } from '../../support/test-db.js';
import { ORG_ID } from './store-fixture.js';

export async function exportAll(store: StoreContext, objects: string[]): Promise<string> {
  let out = '';
  for (const object of objects) for await (const line of exportVersions(store, ORG_ID, object)) out += line;
  return out;
}

const OBJECT_COLUMNS = [
  'name',
  'records',
  'versions',
  'deleted_versions',
  'raw_bytes',
  'bytes',
  'files',
  'file_bytes',
  'oldest_version_at',
  'newest_version_at',
  'last_backup_at',
  'cursor_system_modstamp',
  'cursor_id',
  'describe_hash',
];

/** The org's rows of one table, in a stable order. */
function orgRows(db: TestDatabase, table: string, orderBy: string, columns: readonly string[]) {
  return db.knex(table).where({ org_id: ORG_ID }).orderBy(orderBy).select(columns);
}

export async function snapshot(db: TestDatabase) {
  return {
    objects: await orgRows(db, 'objects', 'name', OBJECT_COLUMNS),
    daily: await orgRows(db, 'daily_stats', 'day', ['day', 'versions', 'files', 'bytes']),
    files: await orgRows(db, 'files', 'record_id', [
      'object',
      'record_id',
      'system_modstamp',
      'sha256',
      'size',
      'state',
    ]),
    schemas: await orgRows(db, 'schemas', 'hash', ['object', 'hash', 'field_count', 'bucket_key']),
    packs: await orgRows(db, 'packs', 'pack_id', [
      'pack_id',
      'kind',
      'entry_count',
      'bytes',
      'block_offsets',
      'block_lengths',
    ]),
  };
}
