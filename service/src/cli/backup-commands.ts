/**
 * `autobackup backup | status | verify | export`: run backups in the foreground, show where they stand,
 * check them against the org, and read them out.
 */
import { once } from 'node:events';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { stringify as csvStringify } from 'csv-stringify/sync';
import { runBackupPass, type PassProgress } from '../backup/backup-pass.js';
import { userInfo } from 'node:os';
import { getStatusReport } from '../app/dashboard.js';
import { changeSettings, getSettings } from '../app/settings.js';
import { findRegisteredOrg, openEngine, openStore } from '../backup/engine-factory.js';
import { verifyOrg } from '../backup/verify.js';
import { listRegistry } from '../store/registry/object-registry.js';
import { rebuildIndex } from '../store/versions/rebuild-index.js';
import { MaintenanceSchedule, maintainStore } from '../backup/store-maintenance.js';
import { exportVersions, objectVersions } from '../store/versions/version-reader.js';
import { appContext, checkOrgId, objectList, withDatabase } from './cli-support.js';
import { CliUsageError } from './errors.js';

function progressReporter(): PassProgress & { stop(): void } {
  if (!process.stderr.isTTY) {
    return {
      objectFinished(name, o) {
        process.stderr.write(
          `${name}: ${o.ok ? `${o.written} new versions${o.tombstones ? `, ${o.tombstones} deletes` : ''}${o.via ? ` (${o.via})` : ''}` : `FAILED ${o.error?.code}: ${o.error?.message}`}\n`,
        );
      },
      stop() {},
    };
  }
  const bars = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      format: ' {name} | {value} rows read {status}',
      hideCursor: true,
      clearOnComplete: false,
      noTTYOutput: false,
    },
    cliProgress.Presets.shades_grey,
  );
  const byName = new Map<string, cliProgress.SingleBar>();
  return {
    objectStarted(name) {
      byName.set(name, bars.create(0, 0, { name: name.padEnd(28), status: '' }));
    },
    objectProgress(name, read) {
      byName.get(name)?.update(read);
    },
    objectFinished(name, o) {
      byName.get(name)?.update({
        status: o.ok
          ? `✓ ${o.written} new versions${o.tombstones ? `, ${o.tombstones} deletes` : ''}`
          : `✗ ${o.error?.code}`,
      });
    },
    stop() {
      bars.stop();
    },
  };
}

/** `autobackup backup` without --until-caught-up: the pause between its passes. */
const FOREGROUND_PASS_PAUSE_MS = 30_000;

export function registerBackupCommands(program: Command): void {
  program
    .command('backup')
    .description(
      'runs backup work in the foreground with progress; with --until-caught-up, exits 0 once caught up',
    )
    .requiredOption('--org <id>', 'org id')
    .option(
      '--until-caught-up',
      'stop after the pass that catches every object up (otherwise keep backing up until Ctrl-C)',
    )
    .option('--objects <names>', 'comma-separated object API names to back up (default: all)')
    .action(async (opts: { org: string; untilCaughtUp?: boolean; objects?: string }) => {
      const orgId = checkOrgId(opts.org);
      const objects = objectList(opts.objects);
      await withDatabase(async (runtime) => {
        const { lifecycle } = runtime;
        // Ctrl-C (or SIGTERM) stops the work at a safe point: the engine stores the batch at hand and starts
        // nothing new, and the shutdown waits for it. Shutdown steps run last-registered first, so this one runs
        // before the database pool (registered when the database was opened) is closed under a write.
        const stop = new AbortController();
        let inFlight: Promise<unknown> = Promise.resolve();
        const guarded = <T>(work: Promise<T>): Promise<T> => {
          inFlight = work;
          return work;
        };
        lifecycle.onShutdown('backup-work', async () => {
          stop.abort();
          runtime.logger.info({ type: 'backup-pass' }, 'stopping: storing the batch at hand first');
          await inFlight.catch(() => undefined); // a failure is the command's to report
        });
        const ctx = { ...(await guarded(openEngine(runtime, orgId))), signal: stop.signal };
        if (!ctx.org.enabled || ctx.org.mode === 'paused') {
          throw new CliUsageError(
            ctx.org.enabled
              ? `Auto Backup is paused for org ${ctx.org.orgId}; resume it with: autobackup settings --org ${ctx.org.orgId} --mode objects_and_files`
              : `Auto Backup is not enabled for org ${ctx.org.orgId}; start it with: autobackup orgs enable --org ${ctx.org.orgId}`,
          );
        }
        let failed = false;
        const maintenance = new MaintenanceSchedule(ctx.options.maintenanceIntervalMs);
        // The first pass scans the schema; later ones when its cadence says (hourly), as `serve` does.
        for (let first = true; !lifecycle.stopping; first = false) {
          const reporter = progressReporter();
          try {
            const pass = await guarded(
              runBackupPass(ctx, {
                ...(objects ? { objects } : {}),
                progress: reporter,
                scan: first ? 'always' : 'when-due',
              }),
            );
            failed = pass.outcomes.some((o) => !o.ok);
            const written = pass.outcomes.reduce((n, o) => n + o.written, 0);
            runtime.logger.info(
              {
                type: 'backup-pass',
                objects: pass.outcomes.length,
                written,
                failed,
                stopped: stop.signal.aborted,
              },
              stop.signal.aborted ? 'backup pass stopped' : 'backup pass finished',
            );
          } finally {
            reporter.stop();
          }
          if (opts.untilCaughtUp || lifecycle.stopping) break;
          await guarded(maintenance.runIfDue(ctx.store, ctx.org.orgId, runtime.logger));
          await lifecycle.pause(FOREGROUND_PASS_PAUSE_MS);
        }
        if (failed) process.exitCode = 1;
      });
    });

  program
    .command('status')
    .description('overall and per-object status, counts and coverage')
    .requiredOption('--org <id>', 'org id')
    .option('--json', 'the dashboard object of the HTTP API plus "objects", as one JSON line')
    .action(async (opts: { org: string; json?: boolean }) => {
      const orgId = checkOrgId(opts.org);
      await withDatabase(async (runtime) => {
        const report = await getStatusReport(appContext(runtime), orgId);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(report)}\n`);
          return;
        }
        process.stdout.write(`${statusText(orgId, report).join('\n')}\n`);
      });
    });

  program
    .command('settings')
    .description('shows or changes the backup settings (same validation as the HTTP API)')
    .requiredOption('--org <id>', 'org id')
    .option('--mode <mode>', 'objects_and_files, objects_only or paused')
    .option('--schedule <schedule>', 'daily or continuous')
    .option('--exclusions <names>', 'comma-separated object API names to leave out ("" for none)')
    .option(
      '--budget-share <fraction>',
      "share of the org's daily API allowance the service may use, 0.05 to 1",
    )
    .option('--json', 'one JSON line on stdout')
    .action(
      async (opts: {
        org: string;
        mode?: string;
        schedule?: string;
        exclusions?: string;
        budgetShare?: string;
        json?: boolean;
      }) => {
        const orgId = checkOrgId(opts.org);
        await withDatabase(async (runtime) => {
          const ctx = appContext(runtime);
          const change: Record<string, unknown> = {};
          if (opts.mode !== undefined) change.mode = opts.mode;
          if (opts.schedule !== undefined) change.schedule = opts.schedule;
          if (opts.exclusions !== undefined) change.exclusions = opts.exclusions;
          if (opts.budgetShare !== undefined)
            change.apiBudgetShare = /^\s*\d*\.?\d+\s*$/.test(opts.budgetShare)
              ? Number(opts.budgetShare)
              : opts.budgetShare; // validation names what was given
          const current = await getSettings(ctx, orgId);
          const settings =
            Object.keys(change).length === 0
              ? current
              : await changeSettings(ctx, orgId, change, {
                  basedOn: current.version,
                  actor: { source: 'cli', id: userInfo().username, name: null },
                });
          if (opts.json) process.stdout.write(`${JSON.stringify(settings)}\n`);
          else
            process.stdout.write(
              `mode: ${settings.mode}\nschedule: ${settings.schedule}\nexclusions: ${settings.exclusions.join(', ') || '(none)'}\n` +
                `budget share: ${settings.apiBudgetShare}\n`,
            );
        });
      },
    );

  program
    .command('verify')
    .description(
      'compares the backup with the org (each object up to the point it is caught up to); exits 1 on gaps',
    )
    .requiredOption('--org <id>', 'org id')
    .option('--objects <names>', 'comma-separated object API names (default: all)')
    .option('--json', 'one JSON line on stdout')
    .action(async (opts: { org: string; objects?: string; json?: boolean }) => {
      const orgId = checkOrgId(opts.org);
      const objects = objectList(opts.objects);
      await withDatabase(async (runtime) => {
        const ctx = await openEngine(runtime, orgId);
        const result = await verifyOrg(ctx, objects);
        if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else {
          for (const o of result.objects) {
            process.stdout.write(
              `${o.object.padEnd(32)} org ${o.orgRecords} / backup ${o.backupRecords} records, ${o.pending} pending, ${o.gaps.length} gaps\n`,
            );
            for (const g of o.gaps)
              process.stdout.write(`  GAP ${g.kind}${g.id ? ` ${g.id}` : ''}: ${g.detail}\n`);
          }
          process.stdout.write(`${result.gaps} gaps\n`);
        }
        if (result.gaps > 0) process.exitCode = 1;
      });
    });

  program
    .command('rebuild-index')
    .description(
      'rebuilds the database index of an org from its bucket alone (e.g. into a new, empty database)',
    )
    .requiredOption('--org <id>', 'the 18-character org id (as in the bucket: orgs/<id>/)')
    .option('--json', 'the result as one JSON line on stdout')
    .action(async (opts: { org: string; json?: boolean }) => {
      if (!/^00D[0-9A-Za-z]{15}$/.test(opts.org))
        throw new CliUsageError(`--org: "${opts.org}" is not an 18-character org id`);
      await withDatabase(async (runtime) => {
        const store = openStore(runtime.config, runtime.knex, runtime.logger);
        const result = await rebuildIndex(store, opts.org, {
          onProgress: (message) => process.stderr.write(`${message}\n`),
        });
        if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else {
          process.stdout.write(
            `${result.packsIndexed} of ${result.packsSeen} packs indexed, ${result.versionsIndexed} versions, ${result.filesIndexed} files, ${result.schemasRestored} schemas\n`,
          );
          for (const u of result.unreadable) process.stdout.write(`UNREADABLE ${u.key}: ${u.error}\n`);
        }
        if (result.unreadable.length > 0) process.exitCode = 1;
      });
    });

  program
    .command('maintain')
    .description(
      'tends the bucket once: adopts or marks orphan packs, sweeps marked ones, merges small packs of finished days',
    )
    .requiredOption('--org <id>', 'org id')
    .option('--json', 'the result as one JSON line on stdout')
    .action(async (opts: { org: string; json?: boolean }) => {
      const orgId = checkOrgId(opts.org);
      await withDatabase(async (runtime) => {
        const org = await findRegisteredOrg(runtime.knex, orgId);
        const store = openStore(runtime.config, runtime.knex, runtime.logger);
        const result = await maintainStore(store, org.orgId);
        if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else
          process.stdout.write(
            `${result.adopted} orphan packs adopted, ${result.marked} marked, ${result.swept} swept; ${result.merged} packs merged from ${result.replaced} small ones\n`,
          );
      });
    });

  program
    .command('export')
    .description(
      'every captured version of an object (or the state as of a time), oldest first, deterministic',
    )
    .requiredOption('--org <id>', 'org id')
    .requiredOption('--object <name>', 'object API name')
    .option('--format <format>', 'ndjson or csv', 'ndjson')
    .option('--as-of <time>', 'the state as of this ISO-8601 time instead of every version')
    .action(async (opts: { org: string; object: string; format: string; asOf?: string }) => {
      const orgId = checkOrgId(opts.org);
      if (opts.format !== 'ndjson' && opts.format !== 'csv')
        throw new CliUsageError(`--format: expected ndjson or csv, got "${opts.format}"`);
      if (opts.asOf !== undefined && Number.isNaN(Date.parse(opts.asOf)))
        throw new CliUsageError(`--as-of: "${opts.asOf}" is not an ISO-8601 time`);
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(opts.object))
        throw new CliUsageError(`--object: "${opts.object}" is not an object API name`);
      await withDatabase(async (runtime) => {
        const org = (await findRegisteredOrg(runtime.knex, orgId)).orgId;
        const store = openStore(runtime.config, runtime.knex, runtime.logger);
        const registry = await listRegistry(runtime.knex, org);
        const known = registry.find((o) => o.name.toLowerCase() === opts.object.toLowerCase());
        if (!known) throw new CliUsageError(`--object: org ${org} has no object "${opts.object}"`);
        const asOf = opts.asOf ? new Date(opts.asOf).toISOString() : undefined;
        const write = async (text: string) => {
          if (!process.stdout.write(text)) await once(process.stdout, 'drain');
        };
        if (opts.format === 'ndjson') {
          for await (const line of exportVersions(store, org, known.name, asOf ? { asOf } : {}))
            await write(line);
          return;
        }
        const fieldNames = (known.fields ?? [])
          .map((f) => f.name)
          .filter((n) => n !== 'Id')
          .sort();
        await write(csvStringify([['object', 'id', 'systemModstamp', 'deleted', ...fieldNames]]));
        for await (const v of objectVersions(store, org, known.name, asOf ? { asOf } : {})) {
          await write(
            csvStringify([
              [
                known.name,
                v.id,
                v.systemModstamp,
                v.deleted,
                ...fieldNames.map((f) => formatCell(v.fields[f])),
              ],
            ]),
          );
        }
      });
    });
}

/** The status report as lines for a terminal. */
function statusText(orgId: string, report: Awaited<ReturnType<typeof getStatusReport>>): string[] {
  return [
    `org ${orgId}: ${report.status}${report.pausedScope !== 'none' ? ` (${report.pausedScope === 'all' ? 'records and files' : 'files'})` : ''}`,
    `  ${report.totals.records.toLocaleString('en-US')} records, ${report.totals.versions.toLocaleString('en-US')} versions, ${report.totals.bytes.toLocaleString('en-US')} bytes`,
    `  covered ${report.coverage.from ?? '—'} → ${report.coverage.to ?? '—'}; ${report.errors.open} open errors`,
    '',
    ...report.objects.map(
      (i) =>
        `  ${i.name.padEnd(32)} ${i.status.padEnd(12)} ${String(i.records).padStart(9)} records ${String(i.versions).padStart(9)} versions  caught up to ${i.caughtUpTo ?? '—'}`,
    ),
  ];
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : String(value);
}
