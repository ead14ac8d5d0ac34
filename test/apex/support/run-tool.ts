/**
 * Running the external tools of the Apex checks (Java for apex-ls and PMD, the `sf` CLI) as child
 * processes with captured output, a throwaway HOME, and a clear error when the tool is missing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './apex-source.js';

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The jars of @salesforce/code-analyzer-pmd-engine: apex-ls, PMD 7, standard and sObject types. */
export const PMD_ENGINE_JARS = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@salesforce/code-analyzer-pmd-engine/package.json')),
  'dist',
  'java-lib',
);

/** Runs a command to completion; rejects only when it cannot be started (e.g. `java` not installed). */
export function runTool(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  cwd = REPO_ROOT,
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error) =>
      reject(new Error(`cannot run ${command}: ${error.message} (the Apex checks need ${command} on PATH)`)),
    );
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}

/** `java -cp <pmd engine jars>/* <mainClass> …args`, with HOME pointed at a throwaway directory. */
export async function runJava(mainClass: string, args: string[]): Promise<ToolResult> {
  return withTempDir('apex-java-home-', (home) =>
    runTool('java', ['-cp', path.join(PMD_ENGINE_JARS, '*'), mainClass, ...args], { HOME: home }),
  );
}

/** Runs `work` with a fresh temporary directory that is removed afterwards. */
export async function withTempDir<T>(prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  try {
    return await work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
