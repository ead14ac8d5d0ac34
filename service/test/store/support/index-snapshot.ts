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

export async function snapshot(db: TestDatabase) {
  return {
    objects: await db.knex('objects').where({ org_id: ORG_ID }).orderBy('name').select(OBJECT_COLUMNS),
    daily: await db
      .knex('daily_stats')
      .where({ org_id: ORG_ID })
      .orderBy('day')
      .select('day', 'versions', 'files', 'bytes'),
    files: await db
      .knex('files')
      .where({ org_id: ORG_ID })
      .orderBy('record_id')
      .select('object', 'record_id', 'system_modstamp', 'sha256', 'size', 'state'),
    schemas: await db
      .knex('schemas')
      .where({ org_id: ORG_ID })
      .orderBy('hash')
      .select('object', 'hash', 'field_count', 'bucket_key'),
    packs: await db
      .knex('packs')
      .where({ org_id: ORG_ID })
      .orderBy('pack_id')
      .select('pack_id', 'kind', 'entry_count', 'bytes', 'block_offsets', 'block_lengths'),
  };
}
