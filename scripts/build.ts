/**
 * `npm run build`: the backup service compiled to plain JavaScript, what the production image runs
 * (Dockerfile) and what `npm run bench -- scale-out` measures. Every `service/src/**\/*.ts` becomes
 * `dist/service/src/**\/*.js`, so `node dist/service/src/cli/index.js …` is the `autobackup` command without
 * tsx: no TypeScript compiled at each start, no module loader hooks on every import.
 *
 * Each file is transpiled on its own with the project's compiler options (tsconfig.json sets isolatedModules and
 * verbatimModuleSyntax, so a file's output never depends on another's types), which is what tsx does at run time;
 * type checking stays with `npm run typecheck`. The imports already name `.js` files, so the output runs as is.
 * The output directory is emptied first: a module deleted from the sources never survives in a build.
 *
 * The development commands never run this output (`npx autobackup`, `npm start` and the tests run the sources
 * through tsx), so a stale build cannot be picked up by accident.
 *
 * `tsx scripts/build.ts [--out <dir>]` (default `dist/`).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The sources the build compiles, relative to the repository root. */
export const BUILD_SOURCES = 'service/src';
/** The compiled CLI's entry point, relative to a build's output directory. */
export const BUILD_ENTRY = 'service/src/cli/index.js';
export const DEFAULT_BUILD_DIR = path.join(root, 'dist');

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(full);
    return entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The project's compiler options (tsconfig.json) with emission turned on. */
function compilerOptions(): ts.CompilerOptions {
  const configPath = path.join(root, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root, undefined, configPath);
  // ES modules out, as the package (`"type": "module"`) runs them; transpileModule alone cannot tell NodeNext's
  // format from package.json.
  return {
    ...parsed.options,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    noEmit: false,
    sourceMap: false,
    declaration: false,
  };
}

/**
 * Compiles service/src into `outDir` (emptied first); returns the number of modules written. A file that does not
 * parse fails the build with its diagnostics.
 */
export function buildService(outDir: string = DEFAULT_BUILD_DIR): number {
  const options = compilerOptions();
  const files = typeScriptFiles(path.join(root, BUILD_SOURCES));
  rmSync(path.join(outDir, BUILD_SOURCES), { recursive: true, force: true });
  for (const file of files) {
    const relative = path.relative(root, file);
    const out = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: options,
      fileName: file,
      reportDiagnostics: true,
    });
    const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length > 0)
      throw new Error(
        `${relative}: ${errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ')}`,
      );
    const target = path.join(outDir, relative.replace(/\.ts$/, '.js'));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, out.outputText);
  }
  // The output is ES modules wherever it lies (node_modules still has to be found above it: the repository's).
  writeFileSync(path.join(outDir, 'package.json'), '{ "type": "module" }\n');
  return files.length;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const flag = process.argv.indexOf('--out');
  const outDir = flag >= 0 ? path.resolve(process.argv[flag + 1] ?? '') : DEFAULT_BUILD_DIR;
  const started = performance.now();
  const modules = buildService(outDir);
  process.stderr.write(
    `built ${modules} modules into ${path.relative(process.cwd(), outDir) || '.'} in ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s; run: node ${path.join(path.relative(process.cwd(), outDir), BUILD_ENTRY)}\n`,
  );
}
