/**
 * File bodies (ContentVersion.VersionData, Attachment.Body, Document.Body): what the file step needs beyond the
 * `files` table of 0001. A stored body's MD5 (Salesforce's ContentVersion.Checksum is the MD5 of the body), so a
 * record whose known checksum and size match a body already stored is mapped without a download; the retry
 * schedule of a body that failed (attempts, when to try again, Salesforce's error code); and per object when the
 * file step is next due (`files_due_at`: null when no body is pending), which the scheduler reads.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('files', (t) => {
    t.text('md5').nullable(); // hex, of the body
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).nullable();
    t.text('error_code').nullable();
  });
  await knex.raw(`CREATE INDEX files_org_md5 ON files (org_id, md5, size) WHERE state = 'stored'`);
  await knex.schema.alterTable('objects', (t) => {
    t.timestamp('files_due_at', { useTz: true }).nullable();
  });
  // Records backed up before bodies were: their bodies are due at once.
  await knex('objects')
    .whereIn('name', ['ContentVersion', 'Attachment', 'Document'])
    .andWhere('versions', '>', 0)
    .update({ files_due_at: knex.fn.now() });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('objects', (t) => t.dropColumn('files_due_at'));
  await knex.raw('DROP INDEX IF EXISTS files_org_md5');
  await knex.schema.alterTable('files', (t) => {
    t.dropColumn('md5');
    t.dropColumn('attempts');
    t.dropColumn('next_attempt_at');
    t.dropColumn('error_code');
  });
}
