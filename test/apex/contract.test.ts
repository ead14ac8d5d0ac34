/**
 * The Apex side of the Apex ↔ LWC contract and the house rules for the package's Apex, read from
 * the source with apex-parser: the five controllers expose exactly the agreed @AuraEnabled
 * methods; every class is `with sharing` and documented; every class has its `_Tests` class, run
 * in parallel; no endpoint or secret is written in code.
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
    updateSchedule: {
      params: ['String schedule', 'Integer version'],
      returns: 'AutoBackupModels.Dashboard',
    },
    enableAutoBackup: { params: [], returns: 'AutoBackupModels.Dashboard' },
    canManageSettings: { params: [], returns: 'Boolean', cacheable: true },
  },
  AutoBackupObjectsController: {
    getObjects: {
      params: ['String status', 'String query', 'String cursor', 'Integer pageSize'],
      returns: 'AutoBackupModels.ObjectPage',
    },
    getExcludedObjects: { params: [], returns: 'AutoBackupModels.ExcludedObjects' },
  },
  AutoBackupSettingsController: {
    getSettings: { params: [], returns: 'AutoBackupModels.Settings' },
    saveExclusions: {
      params: ['String exclusions', 'Integer version'],
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
  },
  AutoBackupHistoryController: {
    getRecordVersions: {
      params: ['String objectApiName', 'Id recordId'],
      returns: 'AutoBackupModels.RecordVersions',
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
        test(`${name} runs in parallel`, () => {
          assert.match(text, /@IsTest\(IsParallel=true\)\s*\n\s*private class /);
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
