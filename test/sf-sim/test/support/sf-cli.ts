import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Runs the real Salesforce CLI (`sf`, a devDependency) offline against a simulator: Node 22 from
 * node_modules/.bin first on PATH, telemetry and update checks off, a throwaway HOME (the CLI
 * writes ~/.sf and ~/.sfdx), the generic keychain. `dispose()` removes the HOME.
 */
const BIN = path.resolve(import.meta.dirname, '../../../../node_modules/.bin');

export interface SfRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SfCli {
  home: string;
  run(args: string[], extraEnv?: Record<string, string>): Promise<SfRun>;
  /** Runs with `--json` expected in args; fails with the CLI's output unless it exits 0; returns `result`. */
  json<T>(args: string[], extraEnv?: Record<string, string>): Promise<T>;
  dispose(): void;
}

export function sfCli(): SfCli {
  const home = mkdtempSync(path.join(tmpdir(), 'sf-cli-home-'));
  const env: NodeJS.ProcessEnv = {
    PATH: `${BIN}:${process.env.PATH ?? ''}`,
    HOME: home,
    SF_DISABLE_TELEMETRY: 'true',
    SF_DISABLE_AUTOUPDATE: 'true',
    SF_SKIP_NEW_VERSION_CHECK: 'true',
    SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
    SF_DISABLE_DNS_CHECK: 'true',
  };
  const run = (args: string[], extraEnv: Record<string, string> = {}): Promise<SfRun> =>
    new Promise((resolve) => {
      execFile(
        path.join(BIN, 'sf'),
        args,
        { env: { ...env, ...extraEnv }, cwd: home, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  return {
    home,
    run,
    async json<T>(args: string[], extraEnv?: Record<string, string>): Promise<T> {
      const r = await run(args, extraEnv);
      if (r.code !== 0)
        throw new Error(`sf ${args.slice(0, 3).join(' ')} failed (${r.code}): ${r.stdout}\n${r.stderr}`);
      return (JSON.parse(r.stdout) as { result: T }).result;
    },
    dispose: () => rmSync(home, { recursive: true, force: true }),
  };
}
