/**
 * `npm run bench [-- name… [--flag value…]]`: runs every benchmark module `bench/*.bench.ts` (or those whose file
 * name contains one of the given names), prints a table and writes the results as JSON under bench/results/.
 * A benchmark module exports `run(): Promise<BenchResult[]>`. Flags (`--flag value` where the value starts with
 * a digit, `--flag=value`, or a bare `--flag`) are not names: the modules read them from process.argv
 * (e.g. `npm run bench -- api --versions 1m`, `npm run bench -- scale-out --orgs 4 --records 5000`).
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchResult } from '../bench/bench-result.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(root, 'bench');
const args = process.argv.slice(2);
const filters = args.filter(
  (arg, i) => !arg.startsWith('--') && !(i > 0 && /^--[^=]+$/.test(args[i - 1]!) && /^\d/.test(arg)),
);

const modules = readdirSync(benchDir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((name) => f.includes(name)))
  .sort();
if (modules.length === 0) {
  console.error(`npm run bench: no benchmark matches ${filters.join(', ')}`);
  process.exit(2);
}

const rows: Array<BenchResult & { module: string }> = [];
let failures = 0;
for (const file of modules) {
  const name = file.replace(/\.bench\.ts$/, '');
  console.error(`▶ ${name}`);
  try {
    const mod = (await import(pathToFileURL(path.join(benchDir, file)).href)) as {
      run: () => Promise<BenchResult[]>;
    };
    for (const result of await mod.run()) rows.push({ module: name, ...result });
  } catch (err) {
    failures += 1;
    console.error(`✖ ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}

const fmt = (n: number) =>
  Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 2 });
const table = rows.map((r) => [
  r.module,
  r.name,
  `${fmt(r.value)} ${r.unit}`,
  r.goal ?? '',
  r.met === undefined ? '' : r.met ? 'met' : 'MISSED',
]);
const header = ['module', 'benchmark', 'result', 'goal', ''];
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: string[]) =>
  cells
    .map((c, i) => c.padEnd(widths[i]!))
    .join('  ')
    .trimEnd();
console.log(line(header));
console.log(widths.map((w) => '─'.repeat(w)).join('  '));
for (const row of table) console.log(line(row));

const resultsDir = path.join(benchDir, 'results');
mkdirSync(resultsDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const out = path.join(resultsDir, `${stamp}.json`);
writeFileSync(
  out,
  JSON.stringify(
    {
      at: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      memoryBytes: os.totalmem(),
      results: rows,
    },
    null,
    2,
  ),
);
console.log(`\nresults written to ${path.relative(root, out)}`);
process.exit(failures > 0 ? 1 : 0);
