/**
 * `npm test`: runs every suite of the project and ends with one summary line
 * ("N passed, N failed"). Suites:
 *   node  – service, simulators, Apex static checks, browser tests (node:test, through tsx)
 *   lwc   – the package's Lightning Web Components (sfdx-lwc-jest, the root jest config)
 *   static – TypeScript (strict), ESLint and Prettier over the whole project, one check each
 * `npm test -- node`, `npm test -- lwc` or `npm test -- static` runs one suite; further arguments after the suite name
 * are passed on as test file paths/globs (node suite only).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSharedTestPostgres } from '../service/test/support/shared-test-postgres.js';

interface SuiteResult {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  exitCode: number;
}

const NODE_TEST_GLOBS = ['service/test/**/*.test.ts', 'test/**/*.test.ts'];

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  capture: boolean,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'] });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      out += chunk.toString('utf8');
      if (out.length > 200_000) out = out.slice(-100_000);
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out }));
  });
}

function countFromSpec(out: string, label: string): number {
  const match = new RegExp(`^ℹ ${label} (\\d+)$`, 'm').exec(out);
  return match ? Number(match[1]) : 0;
}

async function runNodeSuite(files: string[], env: NodeJS.ProcessEnv): Promise<SuiteResult> {
  const args = [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-timeout=600000',
    '--test-reporter=spec',
    ...(files.length > 0 ? files : NODE_TEST_GLOBS),
  ];
  const { code, out } = await run(process.execPath, args, env, true);
  const passed = countFromSpec(out, 'pass');
  const failed = countFromSpec(out, 'fail') + countFromSpec(out, 'cancelled');
  const skipped = countFromSpec(out, 'skipped') + countFromSpec(out, 'todo');
  return { name: 'node', passed, failed: failed === 0 && code !== 0 ? 1 : failed, skipped, exitCode: code };
}

async function runLwcSuite(env: NodeJS.ProcessEnv): Promise<SuiteResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lwc-jest-'));
  const report = path.join(dir, 'report.json');
  const bin = path.resolve('node_modules/.bin/sfdx-lwc-jest');
  const { code } = await run(
    bin,
    ['--', '--json', `--outputFile=${report}`, '--passWithNoTests'],
    env,
    false,
  );
  let passed = 0;
  let failed = code === 0 ? 0 : 1;
  let skipped = 0;
  try {
    const json = JSON.parse(readFileSync(report, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numRuntimeErrorTestSuites: number;
    };
    passed = json.numPassedTests;
    failed = json.numFailedTests + json.numRuntimeErrorTestSuites;
    skipped = json.numPendingTests;
    if (failed === 0 && code !== 0) failed = 1;
  } catch {
    // No report: jest itself failed before running; counted as one failure above.
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { name: 'lwc', passed, failed, skipped, exitCode: code };
}

const STATIC_CHECKS: Array<{ name: string; bin: string; args: string[] }> = [
  { name: 'typescript', bin: 'tsc', args: ['-p', 'tsconfig.json'] },
  { name: 'eslint', bin: 'eslint', args: ['.'] },
  {
    name: 'prettier',
    bin: 'prettier',
    args: ['--check', '--log-level', 'warn', '**/*.{ts,js,json,md}', 'force-app/**/*.{cls,xml,html,js,css}'],
  },
];

async function runStaticSuite(env: NodeJS.ProcessEnv): Promise<SuiteResult> {
  let passed = 0;
  let failed = 0;
  for (const check of STATIC_CHECKS) {
    const { code } = await run(path.resolve('node_modules/.bin', check.bin), check.args, env, false);
    console.log(`${code === 0 ? '✔' : '✖'} ${check.name}`);
    if (code === 0) passed += 1;
    else failed += 1;
  }
  return { name: 'static', passed, failed, skipped: 0, exitCode: failed > 0 ? 1 : 0 };
}

async function main(): Promise<void> {
  const [only, ...files] = process.argv.slice(2);
  const wanted = only && only !== 'all' ? [only] : ['static', 'node', 'lwc'];
  for (const name of wanted) {
    if (name !== 'node' && name !== 'lwc' && name !== 'static') {
      console.error(`npm test: unknown suite "${name}"; expected "static", "node", "lwc" or "all"`);
      process.exit(2);
    }
  }
  const results: SuiteResult[] = [];
  if (wanted.includes('static')) results.push(await runStaticSuite({ ...process.env }));
  if (wanted.includes('node')) {
    // One embedded PostgreSQL for the whole node suite; each test file clones its own database.
    const pg = await startSharedTestPostgres();
    try {
      results.push(await runNodeSuite(files, { ...process.env, TEST_DATABASE_URL: pg.url }));
    } finally {
      await pg.release();
    }
  }
  if (wanted.includes('lwc')) results.push(await runLwcSuite({ ...process.env }));

  console.log('\n── test summary ──');
  for (const r of results) {
    console.log(`${r.name.padEnd(6)} ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
  }
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  const skipped = results.reduce((n, r) => n + r.skipped, 0);
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(failed > 0 || results.some((r) => r.exitCode !== 0) ? 1 : 0);
}

await main();
