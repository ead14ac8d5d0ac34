/**
 * `autobackup db …`: the database behind the service — the embedded PostgreSQL server of AUTOBACKUP_HOME
 * (shared by every autobackup process using that home) or the one DATABASE_URL names.
 */
import type { Command } from 'commander';
import { migrationStatus } from '../store/db/migrate.js';
import { openDatabase, openRuntime } from '../runtime.js';

function redactPassword(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('the PostgreSQL database (embedded or DATABASE_URL)');

  db.command('status')
    .description('shows which database is used and its migration state')
    .option('--json', 'one JSON line on stdout')
    .action(async (opts: { json?: boolean }) => {
      const runtime = await openDatabase(openRuntime());
      try {
        const status = await migrationStatus(runtime.knex);
        const info = {
          embedded: runtime.embedded,
          url: redactPassword(runtime.databaseUrl),
          home: runtime.config.home,
          migrations: {
            applied: status.applied.length,
            pending: status.pending.length,
            latest: status.applied.at(-1) ?? null,
          },
        };
        if (opts.json) process.stdout.write(`${JSON.stringify(info)}\n`);
        else {
          process.stdout.write(
            `database: ${info.url}${info.embedded ? ` (embedded, home ${info.home})` : ''}\n` +
              `migrations: ${info.migrations.applied} applied, ${info.migrations.pending} pending\n`,
          );
        }
      } finally {
        await runtime.lifecycle.shutdown();
      }
    });

  db.command('migrate')
    .description('applies pending migrations (every command also does this at start)')
    .action(async () => {
      const runtime = await openDatabase(openRuntime());
      const status = await migrationStatus(runtime.knex);
      process.stdout.write(
        `${JSON.stringify({ applied: status.applied.length, pending: status.pending.length })}\n`,
      );
      await runtime.lifecycle.shutdown();
    });

  db.command('serve')
    .description(
      'keeps the embedded server running in the foreground and prints its URL (for psql); Ctrl-C stops',
    )
    .action(async () => {
      const runtime = await openDatabase(openRuntime());
      process.stdout.write(`${JSON.stringify({ url: runtime.databaseUrl })}\n`);
      await runtime.lifecycle.runUntilSignal();
    });
}
