/**
 * `autobackup files get` writes a backed-up file version's body (to a file, or stdout with `-`), checking its
 * SHA-256 while it writes; `autobackup files list` lists the backed-up and failed files. See app/files.ts.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { AppError } from '../app/app-error.js';
import { listFiles, openFileBody, resolveFileVersion, type FileListItem } from '../app/files.js';
import { appContext, checkOrgId, withDatabase } from './cli-support.js';
import { CliUsageError } from './errors.js';

function checkObject(value: string | undefined): string | undefined {
  if (value !== undefined && !/^[A-Za-z][A-Za-z0-9_]*$/.test(value))
    throw new CliUsageError(`--object: "${value}" is not an object API name`);
  return value;
}

function checkRecordId(value: string): string {
  if (!/^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(value))
    throw new CliUsageError(`--id: "${value}" is not a record Id (15 or 18 letters and digits)`);
  return value;
}

function checkTime(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) ||
    Number.isNaN(Date.parse(value))
  )
    throw new CliUsageError(`--at: "${value}" is not an ISO-8601 time (e.g. 2024-05-01T10:00:00Z)`);
  return value;
}

/** Copies bytes through while hashing them. */
function sha256Tap(): Transform & { hex(): string } {
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  }) as Transform & { hex(): string };
  tap.hex = () => hash.digest('hex');
  return tap;
}

function row(f: FileListItem): string {
  const what =
    f.state === 'stored'
      ? `${f.size} bytes  sha256 ${f.sha256}`
      : `FAILED ${f.errorCode ?? ''} ${f.error ?? ''}`;
  return `${f.object}  ${f.recordId}  ${f.systemModstamp}  ${what}`;
}

export function registerFilesCommand(program: Command): void {
  const files = program
    .command('files')
    .description('backed-up file bodies (ContentVersion, Attachment, Document)');

  files
    .command('get')
    .description(
      "writes a backed-up file version's body (default: the newest backed up) to --out, or to stdout with " +
        '"--out -"; its SHA-256 is checked while it is written (a mismatch exits 1 and leaves no file)',
    )
    .requiredOption('--org <id>', 'org id')
    .requiredOption('--object <name>', 'ContentVersion, Attachment or Document')
    .requiredOption('--id <id>', 'record Id (15 or 18 characters)')
    .option('--at <iso>', "the version's SystemModstamp (default: the newest version with a body)")
    .option('--out <path>', 'where to write it, "-" for stdout (default: the file\'s own name, here)')
    .action(async (opts: { org: string; object: string; id: string; at?: string; out?: string }) => {
      const orgId = checkOrgId(opts.org);
      const object = checkObject(opts.object)!;
      const id = checkRecordId(opts.id);
      const at = checkTime(opts.at);
      await withDatabase(async (runtime) => {
        const ctx = appContext(runtime);
        const file = await resolveFileVersion(ctx, orgId, object, id, at);
        const out = opts.out ?? file.fileName;
        const toStdout = out === '-';
        const partial = `${out}.partial`;
        const target: Writable = toStdout ? process.stdout : createWriteStream(partial, { flags: 'wx' });
        const tap = sha256Tap();
        try {
          await pipeline(await openFileBody(ctx, file), tap, target, { end: !toStdout });
          const sha256 = tap.hex();
          if (sha256 !== file.sha256)
            throw new AppError(
              'INTERNAL',
              `the body read from the bucket has SHA-256 ${sha256}, not ${file.sha256}: the stored copy is damaged`,
            );
          if (!toStdout) await rename(partial, out);
        } catch (err) {
          if (!toStdout) await rm(partial, { force: true });
          throw err;
        }
        process.stderr.write(
          `${file.object} ${file.recordId} (${file.systemModstamp}): ${file.size} bytes, sha256 ${file.sha256}${toStdout ? '' : ` → ${out}`}\n`,
        );
      });
    });

  files
    .command('list')
    .description('the backed-up and failed files, by object, record and version')
    .requiredOption('--org <id>', 'org id')
    .option('--object <name>', 'only this object (ContentVersion, Attachment or Document)')
    .option('--failed', 'only files whose body could not be backed up')
    .option('--json', 'one JSON line: {"items":[…]}')
    .action(async (opts: { org: string; object?: string; failed?: boolean; json?: boolean }) => {
      const orgId = checkOrgId(opts.org);
      const object = checkObject(opts.object);
      await withDatabase(async (runtime) => {
        const ctx = appContext(runtime);
        const items: FileListItem[] = [];
        let cursor: string | undefined;
        do {
          const page = await listFiles(ctx, orgId, {
            object,
            failed: opts.failed === true,
            cursor,
            limit: 1000,
          });
          items.push(...page.items);
          cursor = page.next ?? undefined;
        } while (cursor !== undefined);
        if (opts.json) process.stdout.write(`${JSON.stringify({ items })}\n`);
        else process.stdout.write(items.length === 0 ? 'no files\n' : `${items.map(row).join('\n')}\n`);
      });
    });
}
