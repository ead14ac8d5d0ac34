/**
 * scripts/package/create-version.ts (`npm run package:version`): its command line, the sf command it
 * runs, how it reads sf's JSON, and the install link it prints. The success path runs against a
 * stand-in `sf` (SF_BIN) answering with the JSON shape of `sf package version create --json`; the
 * failure path runs the real `sf`, which finds no Dev Hub on this machine.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  installerUrlsFromProject,
  installLink,
  packageIdFromProject,
  PLACEHOLDER_DOCS_HOST,
  parseOptions,
  parseVersionCreateOutput,
  PLACEHOLDER_PACKAGE_ID,
  UsageError,
  versionCreateArgs,
} from '../../scripts/package/create-version.js';
import { REPO_ROOT } from './support/apex-source.js';
import { runTool, withTempDir } from './support/run-tool.js';

const SCRIPT = path.join(REPO_ROOT, 'scripts/package/create-version.ts');
const TSX = path.join(REPO_ROOT, 'node_modules/.bin/tsx');
const VERSION_ID = '04t5g000000ABCDAA4';

const successJson = JSON.stringify({
  status: 0,
  result: {
    Id: '08c5g000000AbCdAAK',
    Status: 'Success',
    Package2Id: '0Ho5g000000AbCdCAK',
    Package2VersionId: '05i5g000000AbCdAAC',
    SubscriberPackageVersionId: VERSION_ID,
    VersionNumber: '0.1.0.1',
    Error: [],
  },
  warnings: [],
});

function project(
  id: string,
  urls: { postInstallUrl?: string; releaseNotesUrl?: string } = {
    postInstallUrl: 'https://docs.example.com/autobackup/admin-guide',
    releaseNotesUrl: 'https://docs.example.com/autobackup/admin-guide#release-notes',
  },
): string {
  return JSON.stringify({
    packageDirectories: [{ path: 'force-app', package: 'Auto Backup', ...urls }],
    packageAliases: { 'Auto Backup': id },
  });
}

describe('package:version options', () => {
  test('needs a Dev Hub, from the flag or SF_TARGET_DEV_HUB', () => {
    assert.throws(() => parseOptions(['--no-installation-key'], {}), /no Dev Hub given/);
    const options = parseOptions(['--no-installation-key'], { SF_TARGET_DEV_HUB: 'hub' });
    assert.ok(options !== 'help');
    assert.equal(options.devHub, 'hub');
  });

  test('needs exactly one choice about the installation key', () => {
    assert.throws(
      () => parseOptions(['--target-dev-hub', 'hub'], {}),
      /--installation-key <key> or --no-installation-key/,
    );
    assert.throws(
      () => parseOptions(['--target-dev-hub', 'hub', '--installation-key', 'k', '--no-installation-key'], {}),
      /exclude each other/,
    );
  });

  test('rejects a wait that is not whole minutes and unknown flags', () => {
    assert.throws(
      () => parseOptions(['--target-dev-hub', 'h', '--no-installation-key', '--wait', 'soon'], {}),
      UsageError,
    );
    assert.throws(
      () => parseOptions(['--target-dev-hub', 'h', '--no-installation-key', '--promote'], {}),
      /promote/,
    );
  });

  test('builds the sf command: key, code coverage, wait and JSON output', () => {
    const options = parseOptions(
      ['--target-dev-hub', 'hub', '--installation-key', 's3cret', '--wait', '30'],
      {},
    );
    assert.ok(options !== 'help');
    assert.deepEqual(versionCreateArgs(options), [
      'package',
      'version',
      'create',
      '--package',
      'Auto Backup',
      '--target-dev-hub',
      'hub',
      '--installation-key',
      's3cret',
      '--code-coverage',
      '--wait',
      '30',
      '--json',
    ]);
    const quick = parseOptions(
      ['--target-dev-hub', 'hub', '--no-installation-key', '--skip-code-coverage'],
      {},
    );
    assert.ok(quick !== 'help');
    assert.ok(versionCreateArgs(quick).includes('--installation-key-bypass'));
    assert.ok(!versionCreateArgs(quick).includes('--code-coverage'));
  });
});

describe('package:version project and results', () => {
  test('refuses the placeholder package id and says how to create the package', () => {
    assert.throws(
      () => packageIdFromProject(project(PLACEHOLDER_PACKAGE_ID)),
      /sf package create --name "Auto Backup"/,
    );
    assert.throws(() => packageIdFromProject(project('04t000000000000AAA')), /not a package id/);
    assert.equal(packageIdFromProject(project('0Ho5g000000AbCdCAK')), '0Ho5g000000AbCdCAK');
  });

  test('refuses to build without https installer links, or with the placeholder ones', () => {
    assert.deepEqual(installerUrlsFromProject(project('0Ho5g000000AbCdCAK')), {
      postInstallUrl: 'https://docs.example.com/autobackup/admin-guide',
      releaseNotesUrl: 'https://docs.example.com/autobackup/admin-guide#release-notes',
    });
    assert.throws(
      () =>
        installerUrlsFromProject(
          project('0Ho5g000000AbCdCAK', {
            postInstallUrl: `https://${PLACEHOLDER_DOCS_HOST}/docs/admin-guide.md`,
            releaseNotesUrl: 'https://docs.example.com/notes',
          }),
        ),
      /postInstallUrl is still the placeholder.*admin guide/s,
    );
    assert.throws(
      () =>
        installerUrlsFromProject(
          project('0Ho5g000000AbCdCAK', { postInstallUrl: 'https://docs.example.com/' }),
        ),
      /releaseNotesUrl is missing/,
    );
    assert.throws(
      () =>
        installerUrlsFromProject(
          project('0Ho5g000000AbCdCAK', {
            postInstallUrl: 'http://docs.example.com/',
            releaseNotesUrl: 'https://docs.example.com/',
          }),
        ),
      /postInstallUrl must be an https URL/,
    );
  });

  test('the checked-in sfdx-project.json names the admin guide and the release notes for installers', async () => {
    const { readFileSync } = await import('node:fs');
    const json = JSON.parse(readFileSync(path.join(REPO_ROOT, 'sfdx-project.json'), 'utf8')) as {
      packageDirectories: { postInstallUrl?: string; releaseNotesUrl?: string; postInstallScript?: string }[];
    };
    const entry = json.packageDirectories[0]!;
    assert.match(entry.postInstallUrl ?? '', /^https:\/\/[^/]+\/.*admin-guide/);
    assert.match(entry.releaseNotesUrl ?? '', /^https:\/\/[^/]+\/.*release-notes/);
    assert.equal(entry.postInstallScript, undefined, 'no install handler: installing has nothing to set up');
  });

  test('the checked-in sfdx-project.json holds the documented placeholder until a Dev Hub creates the package', async () => {
    const { readFileSync } = await import('node:fs');
    const json = JSON.parse(readFileSync(path.join(REPO_ROOT, 'sfdx-project.json'), 'utf8')) as {
      namespace: string;
      packageAliases: Record<string, string>;
      packageDirectories: { versionNumber: string; package: string }[];
    };
    assert.equal(json.namespace, 'autobkp');
    assert.equal(json.packageAliases['Auto Backup'], PLACEHOLDER_PACKAGE_ID);
    assert.match(json.packageDirectories[0]?.versionNumber ?? '', /^\d+\.\d+\.\d+\.NEXT$/);
    const definitionFile =
      (json.packageDirectories[0] as { definitionFile?: string } | undefined)?.definitionFile ?? '';
    const definition = JSON.parse(readFileSync(path.join(REPO_ROOT, definitionFile), 'utf8')) as {
      edition?: string;
    };
    assert.equal(definition.edition, 'Developer', 'the scratch org definition used to build versions exists');
  });

  test('reads the version id from a successful build', () => {
    assert.deepEqual(parseVersionCreateOutput(successJson), {
      subscriberPackageVersionId: VERSION_ID,
      versionNumber: '0.1.0.1',
    });
  });

  test('reports a build that is still running with the command to check it', () => {
    const running = JSON.stringify({
      status: 0,
      result: { Id: '08c5g000000AbCdAAK', Status: 'InProgress', SubscriberPackageVersionId: null },
    });
    assert.throws(
      () => parseVersionCreateOutput(running),
      /still building.*\n.*--package-create-request-id 08c5g000000AbCdAAK/,
    );
  });

  test('reports a failed build with its errors', () => {
    const failed = JSON.stringify({
      status: 0,
      result: { Status: 'Error', Error: ['AutoBackupClient: Apex code coverage is 60%'] },
    });
    assert.throws(
      () => parseVersionCreateOutput(failed),
      /build failed:\nAutoBackupClient: Apex code coverage is 60%/,
    );
  });

  test('explains a missing Dev Hub', () => {
    const noHub = JSON.stringify({
      status: 1,
      name: 'NoDefaultDevHubError',
      message: 'No default dev hub found.',
    });
    assert.throws(
      () => parseVersionCreateOutput(noHub),
      /no usable Dev Hub.*\n.*sf org login web --set-default-dev-hub/,
    );
    assert.throws(() => parseVersionCreateOutput('Segmentation fault'), /did not answer with JSON/);
  });

  test('builds the install links', () => {
    assert.equal(
      installLink(VERSION_ID),
      `https://login.salesforce.com/packaging/installPackage.apexp?p0=${VERSION_ID}`,
    );
    assert.equal(
      installLink(VERSION_ID, true),
      `https://test.salesforce.com/packaging/installPackage.apexp?p0=${VERSION_ID}`,
    );
  });
});

describe('npm run package:version (the script as a command)', () => {
  test('prints the install link when sf reports a new version', async () => {
    await withTempDir('package-version-ok-', async (dir) => {
      writeFileSync(path.join(dir, 'sfdx-project.json'), project('0Ho5g000000AbCdCAK'));
      const fakeSf = path.join(dir, 'sf');
      writeFileSync(
        fakeSf,
        `#!/bin/sh\necho "$@" > "${path.join(dir, 'args.txt')}"\ncat <<'JSON'\n${successJson}\nJSON\n`,
      );
      chmodSync(fakeSf, 0o755);
      const run = await runTool(
        TSX,
        [SCRIPT, '--target-dev-hub', 'hub', '--no-installation-key', '--project-dir', dir],
        { SF_BIN: fakeSf },
      );
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`installPackage\\.apexp\\?p0=${VERSION_ID}`));
      const { readFileSync } = await import('node:fs');
      assert.match(
        readFileSync(path.join(dir, 'args.txt'), 'utf8'),
        /package version create --package Auto Backup --target-dev-hub hub/,
      );
    });
  });

  test('fails with a clear message when there is no Dev Hub (the real sf, offline)', async () => {
    await withTempDir('package-version-nohub-', async (dir) => {
      writeFileSync(path.join(dir, 'sfdx-project.json'), project('0Ho5g000000AbCdCAK'));
      const run = await runTool(
        TSX,
        [
          SCRIPT,
          '--target-dev-hub',
          'no-such-hub',
          '--no-installation-key',
          '--project-dir',
          dir,
          '--wait',
          '1',
        ],
        {
          HOME: dir,
          PATH: `${path.join(REPO_ROOT, 'node_modules/.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
        },
      );
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(run.stderr, /no usable Dev Hub \(NamedOrgNotFoundError\)/);
    });
  });

  test('shows its help, and usage errors exit 2', async () => {
    const help = await runTool(TSX, [SCRIPT, '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Dev Hub/);
    const wrong = await runTool(TSX, [SCRIPT, '--no-installation-key'], { SF_TARGET_DEV_HUB: '' });
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /no Dev Hub given/);
  });
});
