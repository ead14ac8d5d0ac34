/** `autobackup serve`: the HTTP API and the continuous backup, until SIGTERM or Ctrl-C (then exit 0). */
import type { Command } from 'commander';
import { openDatabase, openRuntime } from '../runtime.js';
import { startService } from '../serve.js';
import { CliUsageError } from './errors.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('runs the HTTP API for the package and backs up every enabled org continuously')
    .option('--host <address>', 'interface to listen on', '0.0.0.0')
    .option('--no-backup', 'serve the API only (another process runs the backups)')
    .action(async (opts: { host: string; backup: boolean }) => {
      if (!/^[0-9A-Za-z.:[\]-]+$/.test(opts.host))
        throw new CliUsageError(`--host: "${opts.host}" is not an address`);
      const runtime = await openDatabase(openRuntime(process.env, { exitZeroOnSignal: true }));
      try {
        const service = await startService(runtime, { host: opts.host, backup: opts.backup });
        runtime.lifecycle.onShutdown('service', () => service.stop());
        // Machine-readable start line; logs go to stderr.
        process.stdout.write(`${JSON.stringify({ url: service.server.url, backup: opts.backup })}\n`);
      } catch (err) {
        await runtime.lifecycle.shutdown();
        throw err;
      }
      await runtime.lifecycle.runUntilSignal();
    });
}
