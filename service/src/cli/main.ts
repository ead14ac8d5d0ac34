/**
 * The admin CLI, `autobackup`. Machine-readable output goes to stdout; logs and progress to stderr.
 * Commands appear here as the features behind them are built (see CONTRACTS.md for the full set).
 */
import { Command, CommanderError } from 'commander';
import { toAppError } from '../app/app-error.js';
import { registerBackupCommands } from './backup-commands.js';
import { registerDbCommands } from './db-commands.js';
import { registerEraseCommand } from './erase-command.js';
import { registerFieldsCommand } from './fields-command.js';
import { registerFilesCommand } from './files-command.js';
import { registerOrgsCommands } from './orgs-commands.js';
import { registerServeCommand } from './serve-command.js';

export function buildProgram(): Command {
  const program = new Command('autobackup')
    .description('Auto Backup for Salesforce: the backup service and its admin commands')
    .version('0.1.0')
    .showHelpAfterError('(run "autobackup --help" for the commands)')
    .exitOverride();
  registerOrgsCommands(program);
  registerBackupCommands(program);
  registerDbCommands(program);
  registerEraseCommand(program);
  registerFieldsCommand(program);
  registerFilesCommand(program);
  registerServeCommand(program);
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit through here with code 0; usage mistakes were already printed by commander.
      return err.exitCode === 0 ? 0 : 2;
    }
    const failure = toAppError(err);
    if (failure.code === 'INTERNAL') {
      // Unknown to the taxonomy: the whole story, for a bug report.
      process.stderr.write(
        `autobackup: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      return 1;
    }
    process.stderr.write(`autobackup: ${failure.message}\n`);
    return failure.exitCode;
  }
}
