/**
 * Apex types: apex-ls (io.github.apexdevtools.apexls.CheckForIssues, shipped as a jar inside npm
 * @salesforce/code-analyzer-pmd-engine together with the standard-library and sObject type jars)
 * finds no issue in the package: no unknown type, method or field, no class without -meta.xml.
 * It exits 4 when it finds issues, so a control run on a deliberately broken copy proves the
 * check can fail.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './support/apex-source.js';
import { runJava, withTempDir } from './support/run-tool.js';

const CHECK_FOR_ISSUES = 'io.github.apexdevtools.apexls.CheckForIssues';

describe('Apex types (apex-ls)', () => {
  test('the package has no type issues', async () => {
    const result = await runJava(CHECK_FOR_ISSUES, ['-w', REPO_ROOT, '-n', '-d', 'errors']);
    assert.equal(result.stdout.trim(), '', `apex-ls reported issues:\n${result.stdout}${result.stderr}`);
    assert.equal(result.code, 0, `apex-ls exited ${result.code}:\n${result.stderr}`);
  });

  test('a wrong type and an unknown method are reported (exit 4)', async () => {
    await withTempDir('apex-ls-control-', async (dir) => {
      writeFileSync(
        path.join(dir, 'sfdx-project.json'),
        JSON.stringify({
          packageDirectories: [{ path: 'force-app', default: true }],
          namespace: 'autobkp',
          sourceApiVersion: '62.0',
        }),
      );
      const classes = path.join(dir, 'force-app/main/default/classes');
      mkdirSync(classes, { recursive: true });
      writeFileSync(
        path.join(classes, 'AutoBackupBroken.cls'),
        'public with sharing class AutoBackupBroken {\n' +
          '    public static Integer run() {\n' +
          "        Integer count = FeatureManagement.checkPermission('X');\n" +
          '        return UserInfo.getDashbord();\n' +
          '    }\n' +
          '}\n',
      );
      writeFileSync(
        path.join(classes, 'AutoBackupBroken.cls-meta.xml'),
        '<?xml version="1.0" encoding="UTF-8"?>\n<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata"><apiVersion>62.0</apiVersion><status>Active</status></ApexClass>\n',
      );
      const result = await runJava(CHECK_FOR_ISSUES, ['-w', dir, '-n']);
      assert.equal(result.code, 4, `expected exit 4, got ${result.code}:\n${result.stdout}${result.stderr}`);
      assert.match(result.stdout, /Incompatible types in assignment/);
      assert.match(result.stdout, /getDashbord/);
    });
  });
});
