/**
 * The data model of ARCHITECTURE.md: settings (orgs, service_keys), the object registry with its
 * cursor and counters, the version index (versions, packs, files, schemas), and the operational
 * record (runs, errors, api_usage, daily_stats, orphan_packs).
 *
 * The versions table is the hot path: one narrow row per captured version, keyed by a small
 * surrogate `object_key` (which implies the org) instead of two text columns, with no foreign keys
 * (the writer creates objects and packs rows in the same transaction) and one index, its primary key.
 * `record_id` uses the "C" collation so ORDER BY matches byte order – exports sort identically
 * everywhere.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('orgs', (t) => {
    t.string('org_id', 18).primary();
    t.text('instance_url').nullable(); // null when the org was recreated by rebuild-index and not registered again
    t.text('login_url').nullable();
    t.jsonb('auth').notNullable().defaultTo('{}'); // secret references (`env:NAME`, `file:PATH`), never secrets
    t.binary('auth_encrypted').nullable(); // literal secrets, encrypted by the service
    t.text('mode').notNullable().defaultTo('objects_and_files');
    t.text('schedule').notNullable().defaultTo('continuous');
    t.jsonb('exclusions').notNullable().defaultTo('[]');
    t.double('api_budget_share').notNullable().defaultTo(0.5);
    t.boolean('enabled').notNullable().defaultTo(false);
    t.timestamp('last_scan_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE orgs
    ADD CONSTRAINT orgs_org_id_format CHECK (org_id ~ '^00D[0-9A-Za-z]{15}$'),
    ADD CONSTRAINT orgs_mode_values CHECK (mode IN ('objects_and_files', 'objects_only', 'paused')),
    ADD CONSTRAINT orgs_schedule_values CHECK (schedule IN ('daily', 'continuous')),
    ADD CONSTRAINT orgs_budget_share_range CHECK (api_budget_share > 0 AND api_budget_share <= 1),
    ADD CONSTRAINT orgs_exclusions_array CHECK (jsonb_typeof(exclusions) = 'array')`);

  await knex.schema.createTable('service_keys', (t) => {
    t.text('key_id').primary();
    t.string('org_id', 18).notNullable().references('orgs.org_id').onDelete('CASCADE');
    t.binary('key_sha256').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).nullable(); // end of the overlap period after a rotation
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.index(['org_id']);
  });

  await knex.schema.createTable('objects', (t) => {
    t.increments('object_key').primary();
    t.string('org_id', 18).notNullable().references('orgs.org_id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('label').nullable();
    t.text('support').notNullable().defaultTo('unknown'); // supported | unsupported | unknown
    t.text('support_reason').nullable();
    t.boolean('excluded_by_user').notNullable().defaultTo(false);
    t.text('access').notNullable().defaultTo('available'); // available | unavailable
    t.timestamp('cursor_system_modstamp', { useTz: true }).nullable();
    t.text('cursor_id').nullable();
    t.timestamp('backfill_completed_at', { useTz: true }).nullable();
    t.timestamp('caught_up_at', { useTz: true }).nullable(); // last time the object was caught up
    t.bigInteger('records').notNullable().defaultTo(0);
    t.bigInteger('versions').notNullable().defaultTo(0);
    t.bigInteger('deleted_versions').notNullable().defaultTo(0);
    t.bigInteger('bytes').notNullable().defaultTo(0); // bucket bytes of the object's packs
    t.bigInteger('raw_bytes').notNullable().defaultTo(0); // uncompressed canonical version bytes
    t.bigInteger('files').notNullable().defaultTo(0); // file bodies mapped (ContentVersion, Attachment, Document)
    t.bigInteger('file_bytes').notNullable().defaultTo(0);
    t.timestamp('oldest_version_at', { useTz: true }).nullable(); // coverage: min SystemModstamp captured
    t.timestamp('newest_version_at', { useTz: true }).nullable(); // coverage: max SystemModstamp captured
    t.timestamp('last_backup_at', { useTz: true }).nullable(); // last commit of new versions
    t.text('describe_hash').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['org_id', 'name']);
  });
  await knex.raw(`ALTER TABLE objects
    ADD CONSTRAINT objects_support_values CHECK (support IN ('supported', 'unsupported', 'unknown')),
    ADD CONSTRAINT objects_access_values CHECK (access IN ('available', 'unavailable')),
    ADD CONSTRAINT objects_cursor_pair CHECK ((cursor_system_modstamp IS NULL) = (cursor_id IS NULL))`);

  await knex.schema.createTable('packs', (t) => {
    t.increments('pack_key').primary();
    t.string('org_id', 18).notNullable().references('orgs.org_id').onDelete('CASCADE');
    t.integer('object_key').notNullable().references('objects.object_key').onDelete('CASCADE');
    t.text('pack_id').notNullable(); // SHA-256 (hex) of the pack's bytes
    t.text('kind').notNullable(); // versions | files
    t.text('bucket_key').notNullable();
    t.integer('entry_count').notNullable();
    t.bigInteger('bytes').notNullable();
    t.bigInteger('raw_bytes').notNullable();
    t.timestamp('min_system_modstamp', { useTz: true }).nullable();
    t.timestamp('max_system_modstamp', { useTz: true }).nullable();
    t.integer('header_length').notNullable();
    t.specificType('block_offsets', 'bigint[]').notNullable(); // absolute byte offsets in the pack
    t.specificType('block_lengths', 'integer[]').notNullable();
    t.text('schema_hash').nullable();
    // The cursor recorded in the pack header, valid once every pack named in `requires` is indexed.
    t.timestamp('cursor_system_modstamp', { useTz: true }).nullable();
    t.text('cursor_id').nullable();
    t.specificType('requires', 'text[]').notNullable().defaultTo('{}');
    t.timestamp('written_at', { useTz: true }).notNullable();
    t.timestamp('indexed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['org_id', 'pack_id']);
    t.index(['object_key']);
  });

  await knex.raw(`CREATE TABLE versions (
    object_key integer NOT NULL,
    record_id text COLLATE "C" NOT NULL,
    system_modstamp timestamptz NOT NULL,
    deleted boolean NOT NULL,
    pack_key integer NOT NULL,
    block integer NOT NULL,
    entry_offset integer NOT NULL,
    entry_length integer NOT NULL,
    hash bytea NOT NULL,
    PRIMARY KEY (object_key, record_id, system_modstamp)
  )`);

  await knex.schema.createTable('files', (t) => {
    t.string('org_id', 18).notNullable().references('orgs.org_id').onDelete('CASCADE');
    t.text('object').notNullable(); // ContentVersion | Attachment | Document
    t.text('record_id').notNullable();
    t.timestamp('system_modstamp', { useTz: true }).notNullable();
    t.text('sha256').nullable();
    t.bigInteger('size').nullable();
    t.text('state').notNullable(); // stored | failed
    t.text('error').nullable();
    t.integer('pack_key').nullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['org_id', 'record_id', 'system_modstamp']);
    t.index(['org_id', 'sha256']);
  });
  await knex.raw(`ALTER TABLE files ADD CONSTRAINT files_state_values CHECK (state IN ('stored', 'failed'))`);

  await knex.schema.createTable('schemas', (t) => {
    t.string('org_id', 18).notNullable().references('orgs.org_id').onDelete('CASCADE');
    t.text('object').notNullable();
    t.text('hash').notNullable();
    t.text('bucket_key').notNullable();
    t.integer('field_count').notNullable();
    t.timestamp('first_seen_at', { useTz: true }).notNullable();
    t.timestamp('last_seen_at', { useTz: true }).notNullable();
    t.primary(['org_id', 'object', 'hash']);
  });

  await knex.schema.createTable('runs', (t) => {
    t.bigIncrements('run_id').primary();
    t.string('org_id', 18).notNullable().references('orgs.org_id').onDelete('CASCADE');
    t.text('object').nullable();
    t.text('kind').notNullable(); // scan | records | deletes | files | metadata
    t.text('status').notNullable().defaultTo('running'); // running | succeeded | failed
    t.text('lease_token').nullable();
    t.bigInteger('versions').notNullable().defaultTo(0);
    t.bigInteger('files').notNullable().defaultTo(0);
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true }).nullable();
    t.text('error').nullable();
    t.index(['org_id', 'started_at']);
  });

  await knex.schema.createTable('errors', (t) => {
    t.bigIncrements('error_id').primary();
    t.string('org_id', 18).notNullable().references('orgs.org_id').onDelete('CASCADE');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('code').notNullable();
    t.text('message').notNullable();
    t.text('stack').nullable();
    t.text('hint').nullable();
    t.text('object').nullable();
    t.text('record_id').nullable();
    t.bigInteger('run_id').nullable().references('runs.run_id').onDelete('SET NULL');
    t.timestamp('closed_at', { useTz: true }).nullable();
    t.timestamp('dismissed_at', { useTz: true }).nullable();
    t.index(['org_id', 'at']);
  });

  await knex.schema.createTable('api_usage', (t) => {
    t.string('org_id', 18).notNullable().references('orgs.org_id').onDelete('CASCADE');
    t.timestamp('at', { useTz: true }).notNullable();
    t.integer('used').notNullable();
    t.integer('max').notNullable();
    t.integer('own_requests').notNullable().defaultTo(0); // requests this service made since the previous sample
    t.primary(['org_id', 'at']);
  });

  await knex.schema.createTable('daily_stats', (t) => {
    t.string('org_id', 18).notNullable().references('orgs.org_id').onDelete('CASCADE');
    t.date('day').notNullable();
    t.bigInteger('versions').notNullable().defaultTo(0);
    t.bigInteger('files').notNullable().defaultTo(0);
    t.bigInteger('bytes').notNullable().defaultTo(0);
    t.primary(['org_id', 'day']);
  });

  // Mark-then-sweep of bucket packs that the index does not reference (see packs/orphan-packs.ts).
  await knex.schema.createTable('orphan_packs', (t) => {
    t.string('org_id', 18).notNullable().references('orgs.org_id').onDelete('CASCADE');
    t.text('bucket_key').notNullable();
    t.timestamp('marked_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['org_id', 'bucket_key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'orphan_packs',
    'daily_stats',
    'api_usage',
    'errors',
    'runs',
    'schemas',
    'files',
    'versions',
    'packs',
    'objects',
    'service_keys',
    'orgs',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
