/**
 * The Apex side of the Apex ↔ LWC contract and the house rules for the package's Apex, read from
 * the source with apex-parser: the five controllers expose exactly the agreed @AuraEnabled
 * methods; every class is `with sharing` and documented; every class has its `_Tests` class; no
 * endpoint or secret is written in code.
 *
 * Test classes follow what a package version build needs (Apex Developer Guide, "Testing HTTP
 * Callouts" and "Performing DML Operations and Mock Callouts",
 * https://developer.salesforce.com/docs/atlas.en-us.apexcode.meta/apexcode/apex_classes_restful_http_testing_dml.htm):
 * a callout mock is set after Test.startTest(), so the DML that made the test's users and records is
 * committed work of the set-up part, not pending work before a callout; a class that inserts users
 * does not run in parallel (user inserts in parallel tests risk lock contention); test data finds
 * the package's permission sets in the package's namespace and profiles by what they grant, not by
 * their translated names.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { apexClassFiles, auraEnabledMethods, CLASSES_DIR, PACKAGE_DIR } from './support/apex-source.js';

/** method name → parameters as `Type name`; a trailing `cacheable` marks @AuraEnabled(cacheable=true). */
const CONTRACT: Record<string, Record<string, { params: string[]; returns: string; cacheable?: boolean }>> = {
  AutoBackupDashboardController: {
    getDashboard: { params: [], returns: 'AutoBackupModels.Dashboard' },
    updateMode: { params: ['String mode', 'Integer version'], returns: 'AutoBackupModels.Dashboard' },
    enableAutoBackup: { params: [], returns: 'AutoBackupModels.Dashboard' },
    canManageSettings: { params: [], returns: 'Boolean', cacheable: true },
  },
  AutoBackupObjectsController: {
    getObjects: {
      params: [
        'String status',
        'String query',
        'Boolean filesOnly',
        'String sortBy',
        'String sortOrder',
        'String cursor',
        'Integer pageSize',
      ],
      returns: 'AutoBackupModels.ObjectPage',
    },
    getExcludedObjects: {
      params: ['String sortBy', 'String sortOrder', 'String cursor', 'Integer pageSize'],
      returns: 'AutoBackupModels.ExcludedObjects',
    },
  },
  AutoBackupSettingsController: {
    getSettings: { params: [], returns: 'AutoBackupModels.Settings' },
    saveSettings: {
      params: ['String exclusions', 'Decimal apiBudgetPercent', 'Integer version', 'String schedule'],
      returns: 'AutoBackupModels.Settings',
    },
  },
  AutoBackupErrorsController: {
    getErrors: {
      params: ['String objectName', 'String cursor', 'Integer pageSize'],
      returns: 'AutoBackupModels.ErrorPage',
    },
    dismissError: { params: ['String errorId'], returns: 'void' },
    getErrorsCsv: { params: [], returns: 'AutoBackupModels.ErrorsCsv' },
    getMissingFieldPermissions: { params: [], returns: 'AutoBackupModels.MissingFieldPermissions' },
  },
  AutoBackupHistoryController: {
    getRecordVersions: {
      params: ['String objectApiName', 'Id recordId', 'String before', 'Integer pageSize'],
      returns: 'AutoBackupModels.RecordVersions',
    },
    getFileDownloadLink: {
      params: ['String objectApiName', 'Id recordId', 'String systemModstamp'],
      returns: 'AutoBackupModels.FileLink',
    },
    getFieldDescriptions: {
      params: ['String objectApiName'],
      returns: 'AutoBackupModels.ObjectFields',
      cacheable: true,
    },
  },
};

function source(className: string): string {
  return readFileSync(path.join(CLASSES_DIR, `${className}.cls`), 'utf8');
}

const isTestClass = (text: string): boolean => /^\s*@IsTest\b/im.test(text.replace(/\/\*[\s\S]*?\*\//g, ''));

describe('Apex ↔ LWC contract', () => {
  for (const [className, methods] of Object.entries(CONTRACT)) {
    test(`${className} exposes exactly the contract's @AuraEnabled methods`, () => {
      const found = auraEnabledMethods(source(className));
      assert.deepEqual(found.map((m) => m.name).sort(), Object.keys(methods).sort());
      for (const method of found) {
        const expected = methods[method.name];
        assert.ok(expected);
        assert.ok(method.isStatic, `${method.name} must be static`);
        assert.deepEqual(
          method.params.map((p) => `${p.type} ${p.name}`),
          expected.params,
          `${method.name} parameters`,
        );
        assert.equal(method.returnType, expected.returns, `${method.name} return type`);
        assert.equal(method.cacheable, expected.cacheable ?? false, `${method.name} cacheable`);
      }
    });

    test(`${className} turns every failure into a readable AuraHandledException`, () => {
      for (const method of auraEnabledMethods(source(className))) {
        if (method.name === 'canManageSettings') continue; // a permission check that cannot fail
        assert.match(
          method.body,
          /catch\(Exception\w+\)\{throwAutoBackupException\.toAuraHandled\(\w+\);\}/,
          method.name,
        );
      }
    });
  }
});

describe('Apex ↔ LWC contract: a settings change refused as stale', () => {
  // The components reload what they show when a save fails this way (ldsUtils.isSettingsConflict), so the
  // sentence they look for must be the one AutoBackupException.ConflictException sends.
  test('the components recognise the message Apex sends for it', () => {
    const apex = /class ConflictException\b[\s\S]*?userMessage\(\)\s*\{\s*return '([^']+)';/.exec(
      source('AutoBackupException'),
    );
    assert.ok(apex, 'ConflictException.userMessage() returns one literal sentence');
    const lwc = /export const SETTINGS_CONFLICT_MESSAGE\s*=\s*'([^']+)';/.exec(
      readFileSync(path.join(PACKAGE_DIR, 'main/default/lwc/ldsUtils/ldsUtils.js'), 'utf8'),
    );
    assert.ok(lwc, 'ldsUtils exports SETTINGS_CONFLICT_MESSAGE as one literal sentence');
    assert.equal(lwc[1], apex[1]);
  });
});

/** Whether a test class creates users (directly or through AutoBackupTestData). */
function createsUsers(text: string): boolean {
  return /AutoBackupTestData\.(userWith\w*|standardUser)\(|insert\s+new\s+User\b/.test(text);
}

/** The test methods that set a callout mock (`.install()` or Test.setMock) before Test.startTest(). */
function mocksSetBeforeStartTest(text: string): string[] {
  const offenders: string[] = [];
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  for (const method of code.split(/@IsTest\s*\n\s*static void /).slice(1)) {
    const name = /^(\w+)/.exec(method)?.[1] ?? '?';
    const start = method.indexOf('Test.startTest()');
    for (const setting of method.matchAll(/\.install\(\)|Test\.setMock\(/g))
      if (start < 0 || setting.index < start) offenders.push(name);
  }
  return [...new Set(offenders)];
}

describe('Apex test data works in any org a version is built or installed in', () => {
  const data = source('AutoBackupTestData');
  test('permission sets are looked up in the package namespace', () => {
    assert.match(data, /FROM PermissionSet\s+WHERE Name = :\w+ AND NamespacePrefix = :\w+/);
  });
  test('profiles are not looked up by their (translated) name', () => {
    assert.doesNotMatch(data, /FROM Profile\s+WHERE[^\]]*\bName\s*=/);
  });
  test('the house rule finds a mock set before Test.startTest()', () => {
    const bad = `@IsTest
    static void it_should_fail() {
        insert new Account(Name = 'x');
        new AutoBackupCalloutMock().install();
        Test.startTest();
        Test.stopTest();
    }`;
    assert.deepEqual(mocksSetBeforeStartTest(bad), ['it_should_fail']);
  });
});

describe('Apex ↔ LWC contract: masked encrypted values', () => {
  test('the component recognises the mask Apex puts in place of an encrypted value', () => {
    const apex = /MASKED_VALUE = '([^']+)';/.exec(source('AutoBackupHistoryController'));
    assert.ok(apex, 'AutoBackupHistoryController.MASKED_VALUE is one literal');
    const lwc = /export const MASKED_VALUE = '([^']+)';/.exec(
      readFileSync(path.join(PACKAGE_DIR, 'main/default/lwc/backupHistory/fieldFormat.js'), 'utf8'),
    );
    assert.ok(lwc, 'fieldFormat exports MASKED_VALUE as one literal');
    assert.equal(lwc[1], apex[1]);
  });
});

describe('Apex house rules', () => {
  const files = apexClassFiles();
  const production = files.filter((f) => !isTestClass(readFileSync(f, 'utf8')));

  test('production and test classes are both present', () => {
    assert.ok(production.length >= 10 && production.length < files.length);
  });

  for (const file of files) {
    const name = path.basename(file, '.cls');
    const text = readFileSync(file, 'utf8');

    test(`${name} opens with a doc block`, () => {
      assert.match(text, /^\/\*\*[\s\S]+?\*\/\s*(@IsTest[^\n]*\n\s*)?(public|private|global)\b/);
    });

    if (isTestClass(text)) {
      if (name.endsWith('_Tests')) {
        if (createsUsers(text)) {
          test(`${name} inserts users, so it does not run in parallel`, () => {
            assert.match(text, /^@IsTest\s*\n\s*private class /m);
            assert.doesNotMatch(text, /IsParallel\s*=\s*true/i);
          });
        } else {
          test(`${name} runs in parallel`, () => {
            assert.match(text, /@IsTest\(IsParallel=true\)\s*\n\s*private class /);
          });
        }
        test(`${name} sets every callout mock after Test.startTest()`, () => {
          assert.deepEqual(mocksSetBeforeStartTest(text), []);
        });
      }
      continue;
    }

    test(`${name} is declared with sharing`, () => {
      assert.match(text, new RegExp(`^public with sharing (virtual |abstract )?class ${name}\\b`, 'm'));
    });

    test(`${name} has its ${name}_Tests class`, () => {
      assert.ok(existsSync(path.join(CLASSES_DIR, `${name}_Tests.cls`)), `missing ${name}_Tests.cls`);
    });

    test(`${name} writes no endpoint and no credential in code`, () => {
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
      assert.doesNotMatch(
        code,
        /'https?:\/\/[a-z0-9]/i,
        'a URL literal: endpoints belong in the Named Credential',
      );
      assert.doesNotMatch(
        code,
        /setHeader\(\s*'Authorization'/i,
        'the Authorization header is added by the External Credential',
      );
      if (/new\s+HttpRequest\(\)/.test(code)) {
        assert.match(code, /'callout:'/, 'callouts go through the Named Credential');
      }
    });
  }
});
