/**
 * `npm run package:version` — creates a new version of the Auto Backup managed package (2GP) with
 * `sf package version create … --wait` against a Dev Hub, and prints the install link
 * (https://login.salesforce.com/packaging/installPackage.apexp?p0=04t…).
 *
 * Needs a Dev Hub org with the namespace `autobkp` linked and the package created once; neither can
 * exist on a machine without Salesforce, so here it can only report that clearly. The steps are in
 * docs/admin-guide.md ("Building a package version").
 *
 * Usage: npm run package:version -- --target-dev-hub <alias> [--installation-key <key> | --no-installation-key]
 *        [--wait <minutes>] [--skip-code-coverage] [--dry-run]
 * The `sf` binary is node_modules/.bin/sf; SF_BIN overrides it.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const PACKAGE_NAME = 'Auto Backup';
export const PLACEHOLDER_PACKAGE_ID = '0Ho000000000000AAA';
/** Host of the installer links in the checked-in sfdx-project.json until the docs are published. */
export const PLACEHOLDER_DOCS_HOST = 'autobackup.invalid';
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const HELP = `Creates a version of the Auto Backup managed package and prints its install link.

Usage: npm run package:version -- --target-dev-hub <alias> [options]

  --target-dev-hub <alias>   Dev Hub org alias or username (or env SF_TARGET_DEV_HUB)
  --installation-key <key>   protect the version with an installation key
  --no-installation-key      publish without a key (--installation-key-bypass)
  --wait <minutes>           how long to wait for the build (default 60)
  --skip-code-coverage       faster build without Apex test run; such a version cannot be promoted
  --project-dir <dir>        the sfdx project (default: this checkout)
  --dry-run                  print the sf command instead of running it
  --help                     this text

Needs a Dev Hub with the namespace "autobkp" linked and the package created once:
  sf org login web --set-default-dev-hub --alias devhub
  sf package create --name "Auto Backup" --package-type Managed --path force-app --target-dev-hub devhub
(the second command writes the real 0Ho id into sfdx-project.json). This machine has no Dev Hub,
so the command can only fail here with a message saying so. See docs/admin-guide.md.`;

export interface VersionOptions {
  devHub: string;
  installationKey: string | null;
  waitMinutes: number;
  codeCoverage: boolean;
  dryRun: boolean;
  projectDir: string;
}

/** Reads the command line; throws a UsageError naming the problem. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): VersionOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      'target-dev-hub': { type: 'string' },
      'installation-key': { type: 'string' },
      'no-installation-key': { type: 'boolean', default: false },
      wait: { type: 'string', default: '60' },
      'skip-code-coverage': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      'project-dir': { type: 'string', default: REPO_ROOT },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const devHub = values['target-dev-hub'] ?? env.SF_TARGET_DEV_HUB;
  if (!devHub) {
    throw new UsageError('no Dev Hub given: pass --target-dev-hub <alias> (or set SF_TARGET_DEV_HUB)');
  }
  const key = values['installation-key'];
  if (key === undefined && !values['no-installation-key']) {
    throw new UsageError('choose --installation-key <key> or --no-installation-key');
  }
  if (key !== undefined && values['no-installation-key']) {
    throw new UsageError('--installation-key and --no-installation-key exclude each other');
  }
  const waitMinutes = Number(values.wait);
  if (!Number.isInteger(waitMinutes) || waitMinutes < 1) {
    throw new UsageError(`--wait must be a whole number of minutes, got "${values.wait}"`);
  }
  return {
    devHub,
    installationKey: key ?? null,
    waitMinutes,
    codeCoverage: !values['skip-code-coverage'],
    dryRun: values['dry-run'],
    projectDir: path.resolve(values['project-dir']),
  };
}

/** The package id sfdx-project.json holds for the package; throws while it is the placeholder. */
export function packageIdFromProject(projectJson: string): string {
  const project = JSON.parse(projectJson) as { packageAliases?: Record<string, string> };
  const id = project.packageAliases?.[PACKAGE_NAME];
  if (!id) {
    throw new UsageError(`sfdx-project.json has no packageAliases entry "${PACKAGE_NAME}"`);
  }
  if (id === PLACEHOLDER_PACKAGE_ID) {
    throw new UsageError(
      `sfdx-project.json still holds the placeholder package id ${PLACEHOLDER_PACKAGE_ID}: create the package once with\n` +
        `  sf package create --name "${PACKAGE_NAME}" --package-type Managed --path force-app --target-dev-hub <alias>\n` +
        'which writes its real 0Ho id into sfdx-project.json.',
    );
  }
  if (!/^0Ho[0-9A-Za-z]{15}$/.test(id)) {
    throw new UsageError(`package id "${id}" in sfdx-project.json is not a package id (0Ho…, 18 characters)`);
  }
  return id;
}

/**
 * The links a managed package shows its installers (sfdx-project.json, package directory entry):
 * `postInstallUrl`, the admin guide, and `releaseNotesUrl`. A version is not built while they are
 * missing, not https, or still on the placeholder host: installers would get a dead link.
 */
export function installerUrlsFromProject(projectJson: string): {
  postInstallUrl: string;
  releaseNotesUrl: string;
} {
  const project = JSON.parse(projectJson) as {
    packageDirectories?: { package?: string; postInstallUrl?: string; releaseNotesUrl?: string }[];
  };
  const entry = (project.packageDirectories ?? []).find((d) => d.package === PACKAGE_NAME);
  if (!entry) throw new UsageError(`sfdx-project.json has no package directory for "${PACKAGE_NAME}"`);
  const urls = { postInstallUrl: entry.postInstallUrl ?? '', releaseNotesUrl: entry.releaseNotesUrl ?? '' };
  for (const [key, value] of Object.entries(urls)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new UsageError(`sfdx-project.json: ${key} is missing or not a URL (${JSON.stringify(value)})`);
    }
    if (url.protocol !== 'https:') throw new UsageError(`sfdx-project.json: ${key} must be an https URL`);
    if (url.hostname === PLACEHOLDER_DOCS_HOST)
      throw new UsageError(
        `sfdx-project.json: ${key} is still the placeholder ${value}: point it at the published ` +
          (key === 'postInstallUrl'
            ? 'admin guide (docs/admin-guide.md)'
            : 'release notes (docs/admin-guide.md, "Release notes")') +
          ' before building a version installers will see.',
      );
  }
  return urls;
}

/** Arguments for `sf` (without the binary). */
export function versionCreateArgs(options: VersionOptions): string[] {
  const args = [
    'package',
    'version',
    'create',
    '--package',
    PACKAGE_NAME,
    '--target-dev-hub',
    options.devHub,
  ];
  args.push(
    ...(options.installationKey === null
      ? ['--installation-key-bypass']
      : ['--installation-key', options.installationKey]),
  );
  if (options.codeCoverage) args.push('--code-coverage');
  args.push('--wait', String(options.waitMinutes), '--json');
  return args;
}

/** The link an admin opens to install a package version (production or developer org). */
export function installLink(subscriberPackageVersionId: string, sandbox = false): string {
  const host = sandbox ? 'https://test.salesforce.com' : 'https://login.salesforce.com';
  return `${host}/packaging/installPackage.apexp?p0=${subscriberPackageVersionId}`;
}

export interface CreatedVersion {
  subscriberPackageVersionId: string;
  versionNumber: string | null;
}

const NO_DEV_HUB_ERRORS = new Set([
  'NoDefaultDevHubError',
  'NamedOrgNotFoundError',
  'NotADevHubError',
  'NoOrgFound',
]);

/** Reads the `--json` output of `sf package version create`; throws a readable error for every failure. */
export function parseVersionCreateOutput(stdout: string): CreatedVersion {
  const start = stdout.indexOf('{');
  let parsed: {
    status?: number;
    name?: string;
    message?: string;
    result?: {
      Id?: string;
      Status?: string;
      SubscriberPackageVersionId?: string | null;
      VersionNumber?: string | null;
      Error?: unknown[];
    };
  };
  try {
    parsed = JSON.parse(start >= 0 ? stdout.slice(start) : stdout) as typeof parsed;
  } catch {
    throw new Error(`sf did not answer with JSON:\n${stdout.slice(0, 2000)}`);
  }
  if (parsed.status !== 0) {
    if (parsed.name && NO_DEV_HUB_ERRORS.has(parsed.name)) {
      throw new Error(
        `no usable Dev Hub (${parsed.name}): ${parsed.message ?? ''}\n` +
          'Log in to the Dev Hub first: sf org login web --set-default-dev-hub --alias devhub',
      );
    }
    throw new Error(
      `sf package version create failed (${parsed.name ?? 'error'}): ${parsed.message ?? 'no message'}`,
    );
  }
  const result = parsed.result ?? {};
  if (result.Status === 'Error') {
    throw new Error(`the package version build failed:\n${(result.Error ?? []).map(String).join('\n')}`);
  }
  if (result.Status !== 'Success' || !result.SubscriberPackageVersionId) {
    throw new Error(
      `the package version is still building (status ${result.Status ?? 'unknown'}); check it later with\n` +
        `  sf package version create report --package-create-request-id ${result.Id ?? '<08c id>'}`,
    );
  }
  if (!/^04t[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?$/.test(result.SubscriberPackageVersionId)) {
    throw new Error(
      `sf returned "${result.SubscriberPackageVersionId}", which is not a package version id (04t…)`,
    );
  }
  return {
    subscriberPackageVersionId: result.SubscriberPackageVersionId,
    versionNumber: result.VersionNumber ?? null,
  };
}

function runSf(bin: string, args: string[], cwd: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      cwd,
      env: {
        ...process.env,
        SF_DISABLE_TELEMETRY: 'true',
        SF_DISABLE_AUTOUPDATE: 'true',
        SF_SKIP_NEW_VERSION_CHECK: 'true',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.on('error', (error) => reject(new Error(`cannot run ${bin}: ${error.message}`)));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout }));
  });
}

export class UsageError extends Error {}

async function main(): Promise<number> {
  let options: VersionOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`package:version: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (options === 'help') {
    console.log(HELP);
    return 0;
  }
  const sfBin = process.env.SF_BIN ?? path.join(REPO_ROOT, 'node_modules/.bin/sf');
  const args = versionCreateArgs(options);
  if (options.dryRun) {
    console.log([sfBin, ...args.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a))].join(' '));
    return 0;
  }
  try {
    const projectJson = readFileSync(path.join(options.projectDir, 'sfdx-project.json'), 'utf8');
    packageIdFromProject(projectJson);
    installerUrlsFromProject(projectJson);
    console.error(
      `Creating a version of "${PACKAGE_NAME}" on Dev Hub ${options.devHub} (waiting up to ${options.waitMinutes} min)…`,
    );
    const { stdout } = await runSf(sfBin, args, options.projectDir);
    const version = parseVersionCreateOutput(stdout);
    const label = version.versionNumber ? `Package version ${version.versionNumber}` : 'Package version';
    console.log(`${label} created: ${version.subscriberPackageVersionId}`);
    console.log(`Install (production / developer org): ${installLink(version.subscriberPackageVersionId)}`);
    console.log(
      `Install (sandbox):                     ${installLink(version.subscriberPackageVersionId, true)}`,
    );
    return 0;
  } catch (error) {
    console.error(`package:version: ${(error as Error).message}`);
    return 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
