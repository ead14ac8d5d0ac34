/**
 * PMD 7 on the package: the rules of test/apex/pmd-ruleset.xml run through the PMD wrapper that
 * npm @salesforce/code-analyzer-pmd-engine ships (com.salesforce.sfca.pmdwrapper.PmdWrapper, the way
 * Salesforce Code Analyzer itself calls PMD). Every violation must be explained in
 * test/apex/pmd-allowlist.json, and every entry there must still match a violation.
 * A control class with known security flaws is scanned in the same run, so a PMD that silently
 * checks nothing fails the test.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { apexClassFiles, PACKAGE_DIR } from './support/apex-source.js';
import { runJava, withTempDir } from './support/run-tool.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RULESET = path.join(HERE, 'pmd-ruleset.xml');
const ALLOWLIST = path.join(HERE, 'pmd-allowlist.json');

interface Violation {
  rule: string;
  message: string;
  codeLocation: { file: string; startLine: number };
}
interface PmdResults {
  violations: Violation[];
  processingErrors: { file: string; message: string; detail: string }[];
}
interface AllowEntry {
  rule: string;
  file: string;
  reason: string;
}

const CONTROL_CLASS = `public class AutoBackupInsecureControl {
    public static List<Account> find(String name) {
        HttpRequest request = new HttpRequest();
        request.setEndpoint('http://example.com/api');
        request.setHeader('Authorization', 'Bearer abc123');
        return Database.query('SELECT Id FROM Account WHERE Name = \\'' + name + '\\'');
    }
}
`;

/** Metadata XML of the package, outside LWC bundles (those are JavaScript's business). */
function metadataXmlFiles(dir = path.join(PACKAGE_DIR, 'main/default')): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== 'lwc') files.push(...metadataXmlFiles(full));
    } else if (name.endsWith('-meta.xml')) {
      files.push(full);
    }
  }
  return files.sort();
}

function describeViolation(v: Violation): string {
  return `${v.rule} ${path.basename(v.codeLocation.file)}:${v.codeLocation.startLine} ${v.message}`;
}

describe('PMD security and best-practice rules', () => {
  let results: PmdResults;
  let controlFile: string;

  before(async () => {
    results = await withTempDir('apex-pmd-', async (dir) => {
      controlFile = path.join(dir, 'AutoBackupInsecureControl.cls');
      writeFileSync(controlFile, CONTROL_CLASS);
      const input = path.join(dir, 'input.json');
      const output = path.join(dir, 'results.json');
      writeFileSync(
        input,
        JSON.stringify({
          ruleSetInputFile: RULESET,
          runDataPerLanguage: {
            apex: { filesToScan: [...apexClassFiles(), controlFile] },
            xml: { filesToScan: metadataXmlFiles() },
          },
        }),
      );
      const run = await runJava('com.salesforce.sfca.pmdwrapper.PmdWrapper', ['run', input, output]);
      assert.equal(run.code, 0, `PMD wrapper exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
      return JSON.parse(readFileSync(output, 'utf8')) as PmdResults;
    });
  });

  test('PMD processed every file', () => {
    assert.deepEqual(
      results.processingErrors.map((e) => `${e.file}: ${e.message}`),
      [],
    );
  });

  test('the insecure control class is caught (PMD really ran the security rules)', () => {
    const rules = new Set(
      results.violations.filter((v) => v.codeLocation.file === controlFile).map((v) => v.rule),
    );
    for (const rule of [
      'ApexSOQLInjection',
      'ApexInsecureEndpoint',
      'ApexSharingViolations',
      'ApexSuggestUsingNamedCred',
    ]) {
      assert.ok(rules.has(rule), `expected ${rule} on the control class, got ${[...rules].join(', ')}`);
    }
  });

  test('every violation in the package is explained in the allow-list', () => {
    const allow = (JSON.parse(readFileSync(ALLOWLIST, 'utf8')) as { entries: AllowEntry[] }).entries;
    const unexplained = results.violations
      .filter((v) => v.codeLocation.file !== controlFile)
      .filter((v) => !allow.some((a) => a.rule === v.rule && a.file === path.basename(v.codeLocation.file)));
    assert.deepEqual(unexplained.map(describeViolation), []);
  });

  test('every allow-list entry has a reason and still matches a violation', () => {
    const allow = (JSON.parse(readFileSync(ALLOWLIST, 'utf8')) as { entries: AllowEntry[] }).entries;
    for (const entry of allow) {
      assert.ok(entry.reason && entry.reason.length > 20, `entry ${entry.rule} ${entry.file} needs a reason`);
      assert.ok(
        results.violations.some(
          (v) => v.rule === entry.rule && path.basename(v.codeLocation.file) === entry.file,
        ),
        `stale allow-list entry: ${entry.rule} in ${entry.file} no longer occurs; remove it`,
      );
    }
  });
});
