/** `autobackup erase`: erases records from the backup (GDPR right to erasure), see app/erase-record.ts. */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { eraseRecords, type EraseReport } from '../app/erase-record.js';
import type { RecordErasure } from '../store/versions/erase-record.js';
import { appContext, checkOrgId, withDatabase } from './cli-support.js';
import { CliUsageError } from './errors.js';

/** `--id A --id B,C` → [A, B, C]. */
function collectIds(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((s) => s.trim())];
}

function line(object: string, r: RecordErasure): string {
  const where = `${object} ${r.recordId}`;
  switch (r.outcome) {
    case 'erased':
      return `${where}: erased ${r.versions} versions; ${r.packsRewritten} packs rewritten without it, ${r.packsDeleted} old packs deleted from the bucket${r.errorRows + r.fileMappings > 0 ? `; ${r.errorRows} error rows and ${r.fileMappings} file mappings removed` : ''}`;
    case 'already-erased':
      return `${where}: already erased at ${r.erasedAt}; nothing to do`;
    case 'not-in-backup':
      return `${where}: not in the backup; nothing to erase`;
    case 'would-erase':
      return `${where}: would erase ${r.versions} versions, rewriting or deleting ${r.packs.length} packs:\n${r.packs.map((k) => `  ${k}`).join('\n')}`;
  }
}

function report(result: EraseReport): string {
  const lines = result.records.map((r) => line(result.object, r));
  for (const r of result.records)
    for (const key of r.unreadable)
      lines.push(`UNREADABLE ${key}: cannot tell whether it holds ${r.recordId}`);
  return `${lines.join('\n')}\n`;
}

export function registerEraseCommand(program: Command): void {
  program
    .command('erase')
    .description(
      'erases records from the backup (GDPR right to erasure): every version of the record Id (each SystemModstamp, ' +
        'revisions included) leaves the index and the bucket ' +
        '(packs holding them are rewritten without them, the old packs deleted at once), and a tombstone keeps ' +
        'who erased what, when and why, so rebuild-index never brings them back. Erasure must be paired with ' +
        'deletion in Salesforce: a record that still exists there is backed up again at its next change.',
    )
    .requiredOption('--org <id>', 'org id')
    .requiredOption('--object <name>', 'object API name')
    .option(
      '--id <ids>',
      'record Id to erase (15 or 18 characters); repeat it or separate Ids with commas',
      collectIds,
    )
    .option(
      '--reason <text>',
      'why (kept with the tombstone in the database and the bucket; no personal data)',
    )
    .option('--by <name>', 'who asks (default: the operating-system user)')
    .option('--dry-run', 'say which versions and packs would be erased, change nothing')
    .option('--json', 'the result as one JSON line on stdout')
    .action(
      async (opts: {
        org: string;
        object: string;
        id?: string[];
        reason?: string;
        by?: string;
        dryRun?: boolean;
        json?: boolean;
      }) => {
        const orgId = checkOrgId(opts.org);
        if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(opts.object))
          throw new CliUsageError(`--object: "${opts.object}" is not an object API name`);
        const ids = (opts.id ?? []).filter((id) => id !== '');
        if (ids.length === 0)
          throw new CliUsageError(
            '--id: give the Id of the record to erase (repeat --id, or separate Ids with commas)',
          );
        await withDatabase(async (runtime) => {
          const result = await eraseRecords(appContext(runtime), {
            orgId,
            object: opts.object,
            ids,
            reason: opts.reason,
            by: opts.by ?? userInfo().username,
            dryRun: opts.dryRun,
          });
          if (opts.json) {
            process.stdout.write(`${JSON.stringify(result)}\n`);
            process.stderr.write(`note: ${result.note}\n`);
          } else process.stdout.write(`${report(result)}note: ${result.note}\n`);
        });
      },
    );
}
