/**
 * `autobackup fields`: the missing-field-permissions report (`--missing`) and an object's field metadata history
 * (`--history --object X`), see app/missing-fields.ts and app/field-history.ts. Both read the database only.
 */
import type { Command } from 'commander';
import { fieldHistory, type FieldHistoryItem } from '../app/field-history.js';
import { missingFields, type MissingFieldsReport } from '../app/missing-fields.js';
import { MAX_LIMIT } from '../app/paging.js';
import { appContext, checkOrgId, withDatabase } from './cli-support.js';
import { CliUsageError } from './errors.js';

function missingText(report: MissingFieldsReport): string {
  const lines: string[] = [];
  lines.push(
    report.checkedAt
      ? `checked at ${report.checkedAt} (the last schema scan that read the org's field definitions)`
      : 'not checked yet: the report fills at the next schema scan',
  );
  if (report.error) lines.push(`warning: ${report.error.message} (${report.error.code})`);
  if (report.items.length === 0 && report.objectsUnreadable.length === 0)
    lines.push('the integration user can read every field of the objects backed up');
  let object: string | null = null;
  for (const item of report.items) {
    if (item.object !== object) {
      object = item.object;
      lines.push(`${item.object} (${item.label}):`);
    }
    lines.push(`  ${item.field} (${item.fieldLabel}, ${item.type}): grant ${item.grant}`);
  }
  if (report.objectsUnreadable.length > 0) {
    lines.push('objects the integration user cannot read:');
    for (const o of report.objectsUnreadable) lines.push(`  ${o.object} (${o.label}): grant ${o.grant}`);
  }
  return `${lines.join('\n')}\n`;
}

const shown = (value: unknown): string =>
  value === null || value === undefined ? '-' : JSON.stringify(value);

function historyText(object: string, items: FieldHistoryItem[]): string {
  if (items.length === 0) return `no field changes recorded for ${object} yet\n`;
  return `${items
    .map((i) => `${i.at}  ${i.field ?? `(${object})`}  ${i.change}  ${shown(i.before)} -> ${shown(i.after)}`)
    .join('\n')}\n`;
}

export function registerFieldsCommand(program: Command): void {
  program
    .command('fields')
    .description(
      'field metadata: --missing lists the fields that exist but the integration user cannot read (and objects it ' +
        'cannot read), with what to grant; --history --object X lists the field changes of an object, newest first',
    )
    .requiredOption('--org <id>', 'org id')
    .option('--missing', 'the missing-field-permissions report')
    .option('--history', "an object's field history (needs --object)")
    .option('--object <name>', 'one object (for --missing: only its fields)')
    .option('--limit <n>', `how many history entries (default 50, at most ${MAX_LIMIT})`)
    .option('--json', 'the result as one JSON line on stdout')
    .action(
      async (opts: {
        org: string;
        missing?: boolean;
        history?: boolean;
        object?: string;
        limit?: string;
        json?: boolean;
      }) => {
        const orgId = checkOrgId(opts.org);
        if (opts.missing === opts.history)
          throw new CliUsageError(
            'say which: --missing (fields the integration user cannot read) or --history',
          );
        if (opts.object !== undefined && !/^[A-Za-z][A-Za-z0-9_]*$/.test(opts.object))
          throw new CliUsageError(`--object: "${opts.object}" is not an object API name`);
        if (opts.history && opts.object === undefined)
          throw new CliUsageError('--history needs --object (the object whose field history to show)');
        if (opts.limit !== undefined && !/^[1-9]\d{0,8}$/.test(opts.limit))
          throw new CliUsageError(`--limit: "${opts.limit}" is not a whole number from 1`);
        await withDatabase(async (runtime) => {
          const app = appContext(runtime);
          if (opts.missing) {
            const report = await missingFields(app, orgId, { object: opts.object });
            process.stdout.write(opts.json ? `${JSON.stringify(report)}\n` : missingText(report));
            return;
          }
          const page = await fieldHistory(app, orgId, opts.object!, {
            limit: opts.limit === undefined ? undefined : Number(opts.limit),
          });
          process.stdout.write(
            opts.json ? `${JSON.stringify(page)}\n` : historyText(page.object, page.items),
          );
        });
      },
    );
}
