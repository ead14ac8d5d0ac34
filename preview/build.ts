/**
 * Builds the dashboard preview: the package's Lightning Web Components, unchanged from
 * force-app/main/default/lwc, compiled with LWC OSS and bundled by rollup for the browser, with
 * lightning-base-components for `lightning-*` (icons inline) and the SLDS stylesheet beside them.
 *
 * What is not in force-app comes from preview/src: index.html (the page), main.js (mounts the Auto
 * Backup tab, or Backup History for `?record=Object/Id`) and lightning-stand-ins/ (the Apex bridge).
 * `@salesforce/apex/Class.method` imports become one-line modules calling the bridge;
 * `@salesforce/i18n/*` (locale, time zone…) are an en-US user's values.
 *
 * The output is cached under node_modules/.cache/autobackup-preview/<hash>, the hash covering every
 * source file and the versions of the build tools, so a second start with unchanged sources is instant.
 */
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import lwc from '@lwc/rollup-plugin';
import { type Plugin, rollup } from 'rollup';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const LWC_DIR = path.join(ROOT, 'force-app/main/default/lwc');
const PREVIEW_SRC = path.join(ROOT, 'preview/src');
const BRIDGE = path.join(PREVIEW_SRC, 'lightning-stand-ins/apexBridge.js');
const CACHE_DIR = path.join(ROOT, 'node_modules/.cache/autobackup-preview');
const SLDS_ASSETS = path.join(ROOT, 'node_modules/@salesforce-ux/design-system/assets');
/** Packages whose version changes the output. */
const BUILD_TOOLS = [
  'lwc',
  '@lwc/rollup-plugin',
  'rollup',
  'lightning-base-components',
  '@salesforce-ux/design-system',
];
const APEX_PREFIX = '@salesforce/apex/';

export interface PreviewBuild {
  /** Folder with index.html, the bundle and the SLDS assets, ready to be served as static files. */
  dir: string;
  /** Whether this call compiled it (false: taken from the cache). */
  built: boolean;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(dir, f))
    .filter((f) => !f.includes(`${path.sep}__tests__${path.sep}`) && statSync(f).isFile())
    .sort();
}

/** A hash of every input of the build. */
export function previewSourceHash(): string {
  const hash = createHash('sha256');
  for (const file of [...filesUnder(LWC_DIR), ...filesUnder(PREVIEW_SRC), fileURLToPath(import.meta.url)]) {
    hash.update(path.relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  for (const name of BUILD_TOOLS) {
    const manifest = JSON.parse(
      readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8'),
    ) as {
      version: string;
    };
    hash.update(`${name}@${manifest.version}\0`);
  }
  return hash.digest('hex').slice(0, 16);
}

/** `@salesforce/apex/Class.method` → a module whose default export calls the bridge with that name. */
function apexImports(): Plugin {
  return {
    name: 'autobackup-apex-bridge',
    resolveId(source) {
      return source.startsWith(APEX_PREFIX) ? `\0apex:${source.slice(APEX_PREFIX.length)}` : null;
    },
    load(id) {
      if (!id.startsWith('\0apex:')) return null;
      const method = id.slice('\0apex:'.length);
      return [
        `import { callApex } from ${JSON.stringify(BRIDGE)};`,
        `export default (params) => callApex(${JSON.stringify(method)}, params);`,
      ].join('\n');
    },
  };
}

/**
 * `@salesforce/i18n/<key>` (the user's locale, time zone, currency…) → the en-US values
 * lightning-base-components ships for use outside Salesforce, as for an en-US user.
 */
function salesforceI18n(): Plugin {
  const prefix = '@salesforce/i18n/';
  const dir = path.join(ROOT, 'node_modules/lightning-base-components/scopedImports');
  return {
    name: 'autobackup-salesforce-i18n',
    resolveId(source) {
      if (!source.startsWith(prefix)) return null;
      const file = path.join(dir, `@salesforce-i18n-${source.slice(prefix.length)}.js`);
      return existsSync(file) ? file : null;
    },
  };
}

/** What a bundler replaces in library code meant for it: the SSR flag and the build mode. */
function browserConstants(): Plugin {
  return {
    name: 'autobackup-browser-constants',
    transform(code) {
      if (!code.includes('import.meta.env.SSR') && !code.includes('process.env.NODE_ENV')) return null;
      return {
        code: code
          .replaceAll('import.meta.env.SSR', 'false')
          .replaceAll('process.env.NODE_ENV', JSON.stringify('production')),
        map: null,
      };
    },
  };
}

async function compile(outDir: string): Promise<void> {
  // Each bundle of force-app as `c/<name>`; folder names are the component names, as in Salesforce.
  const packageModules = readdirSync(LWC_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => ({ name: `c/${d.name}`, path: path.join(LWC_DIR, d.name, `${d.name}.js`) }));
  const bundle = await rollup({
    input: path.join(PREVIEW_SRC, 'main.js'),
    plugins: [
      apexImports(),
      salesforceI18n(),
      browserConstants(),
      lwc({
        rootDir: PREVIEW_SRC,
        enableDynamicComponents: true,
        modules: [...packageModules, { npm: 'lightning-base-components' }],
      }),
    ],
    onwarn(warning, warn) {
      if (warning.code === 'CIRCULAR_DEPENDENCY' || warning.code === 'THIS_IS_UNDEFINED') return;
      // lightning-base-components' own templates warn about markup the compiler tolerates; not ours to fix.
      if ((warning.id ?? warning.loc?.file ?? '').includes(`${path.sep}node_modules${path.sep}`)) return;
      warn(warning);
    },
  });
  try {
    await bundle.write({
      dir: outDir,
      format: 'esm',
      entryFileNames: 'main.js',
      chunkFileNames: '[name]-[hash].js',
    });
  } finally {
    await bundle.close();
  }
  cpSync(path.join(PREVIEW_SRC, 'index.html'), path.join(outDir, 'index.html'));
  const assets = path.join(outDir, 'assets');
  cpSync(path.join(SLDS_ASSETS, 'styles'), path.join(assets, 'styles'), { recursive: true });
  cpSync(path.join(SLDS_ASSETS, 'images'), path.join(assets, 'images'), { recursive: true });
}

/** The built preview for the current sources: from the cache, or compiled now (about half a minute). */
export async function buildPreview(): Promise<PreviewBuild> {
  const dir = path.join(CACHE_DIR, previewSourceHash());
  if (existsSync(path.join(dir, 'index.html'))) return { dir, built: false };
  // Build beside the final folder and rename it in place, so a half-written build is never taken as done.
  const staging = `${dir}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    await compile(staging);
    if (existsSync(dir)) rmSync(staging, { recursive: true, force: true });
    else renameSync(staging, dir);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  return { dir, built: true };
}
