/**
 * `sf project convert source` turns force-app into Metadata API format, as packaging and deploys
 * do, and every Apex class arrives with its -meta.xml (convert silently drops a .cls without one).
 * The CLI runs offline with telemetry and update checks off and a throwaway HOME.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { apexClassFiles, REPO_ROOT } from './support/apex-source.js';
import { runTool, withTempDir } from './support/run-tool.js';

const SF = path.join(REPO_ROOT, 'node_modules/.bin/sf');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

describe('sf project convert source', () => {
  let converted: { code: number; output: string; files: string[]; packageXml: string };

  before(async () => {
    converted = await withTempDir('sf-convert-', async (dir) => {
      const outputDir = path.join(dir, 'mdapi');
      const home = path.join(dir, 'home');
      const result = await runTool(
        SF,
        ['project', 'convert', 'source', '--root-dir', 'force-app', '--output-dir', outputDir, '--json'],
        {
          HOME: home,
          SF_DISABLE_TELEMETRY: 'true',
          SF_DISABLE_AUTOUPDATE: 'true',
          SF_SKIP_NEW_VERSION_CHECK: 'true',
          // node_modules/.bin first, so `sf` runs on the project's Node 22.
          PATH: `${path.join(REPO_ROOT, 'node_modules/.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
        },
      );
      const files = existsSync(outputDir)
        ? filesUnder(outputDir).map((f) => path.relative(outputDir, f))
        : [];
      const packageXmlPath = path.join(outputDir, 'package.xml');
      const packageXml = existsSync(packageXmlPath) ? readFileSync(packageXmlPath, 'utf8') : '';
      return { code: result.code, output: result.stdout + result.stderr, files, packageXml };
    });
  });

  test('succeeds', () => {
    assert.equal(converted.code, 0, converted.output);
    assert.equal(
      (JSON.parse(converted.output.slice(converted.output.indexOf('{'))) as { status: number }).status,
      0,
    );
  });

  test('every .cls in the source has its -meta.xml', () => {
    const missing = apexClassFiles().filter((file) => !existsSync(`${file}-meta.xml`));
    assert.deepEqual(missing, []);
  });

  test('every class arrives in the converted package with its -meta.xml', () => {
    for (const file of apexClassFiles()) {
      const name = path.basename(file);
      assert.ok(converted.files.includes(`classes/${name}`), `classes/${name} missing after convert`);
      assert.ok(
        converted.files.includes(`classes/${name}-meta.xml`),
        `classes/${name}-meta.xml missing after convert`,
      );
      assert.match(converted.packageXml, new RegExp(`<members>${path.basename(name, '.cls')}</members>`));
    }
  });

  test('the manifest lists the app, tab, page, credentials, permissions and components', () => {
    for (const type of [
      'CustomApplication',
      'CustomTab',
      'FlexiPage',
      'NamedCredential',
      'ExternalCredential',
      'PermissionSet',
      'CustomPermission',
      'LightningComponentBundle',
    ]) {
      assert.match(converted.packageXml, new RegExp(`<name>${type}</name>`), type);
    }
  });

  test('jest tests, jest mocks and docs stay out of the package (.forceignore)', () => {
    const leaked = converted.files.filter((f) => /__tests__|jest-mocks|jest-setup|\.md$/.test(f));
    assert.deepEqual(leaked, []);
  });
});
