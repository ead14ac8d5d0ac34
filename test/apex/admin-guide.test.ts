/**
 * docs/admin-guide.md read as a new org's admin follows it: every name the install steps tell the admin
 * to click or type is the label or API name the package ships with (Named Credential, External
 * Credential and its principal, the ServiceKey parameter the header formula reads, permission sets,
 * custom permission, app, the tabs inside the app, the record-page component), the error messages the
 * guide quotes are the ones the Apex throws, and the figures it gives are the code's. A renamed
 * component or a reworded message fails here, before an admin meets the difference.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CLASSES_DIR, REPO_ROOT } from './support/apex-source.js';
import { componentsIn, list, SOURCE_DIR, text, type MetadataFile } from './support/metadata.js';

const GUIDE_SOURCE = readFileSync(path.join(REPO_ROOT, 'docs/admin-guide.md'), 'utf8');
/** The guide with its line breaks and runs of spaces as single spaces, as a reader sees the text. */
const GUIDE = GUIDE_SOURCE.replace(/\s+/g, ' ');

/** The text of the guide's `## <number>.` section (up to the next `## ` heading), spaces collapsed. */
function section(number: number): string {
  const start = GUIDE_SOURCE.indexOf(`\n## ${number}. `);
  assert.notEqual(start, -1, `the guide has a section "## ${number}."`);
  const end = GUIDE_SOURCE.indexOf('\n## ', start + 1);
  return GUIDE_SOURCE.slice(start, end === -1 ? undefined : end).replace(/\s+/g, ' ');
}

/** The single component of a metadata folder (the package ships one of each of these). */
function only(folder: string): [string, MetadataFile] {
  const components = [...componentsIn(folder)];
  assert.equal(components.length, 1, `one component in ${folder}`);
  return components[0] as [string, MetadataFile];
}

/** The bold (`**…**`) phrases of a text: what the guide has the admin click or find on screen. */
function bold(textOf: string): string[] {
  return [...textOf.matchAll(/\*\*([^*]+)\*\*/g)].map((m) => m[1] as string);
}

/** The label attributes of the `<lightning-tab>` elements of a component's template. */
function tabLabels(bundle: string): string[] {
  const html = readFileSync(path.join(SOURCE_DIR, 'lwc', bundle, `${bundle}.html`), 'utf8');
  return [...html.matchAll(/<lightning-tab\s[^>]*\blabel="([^"]+)"/g)].map((m) => m[1] as string);
}

/** The text an Apex exception class's userMessage() builds, string literals joined (quotes unescaped). */
function userMessageLiterals(className: string): string {
  const source = readFileSync(path.join(CLASSES_DIR, 'AutoBackupException.cls'), 'utf8');
  const start = source.indexOf(`class ${className} extends`);
  assert.notEqual(start, -1, `AutoBackupException.${className} exists`);
  const body = source.slice(start, source.indexOf('\n    }\n', start));
  return [...body.matchAll(/'((?:[^'\\]|\\.)*)'/g)]
    .map((m) => (m[1] as string).replace(/\\'/g, "'"))
    .join('');
}

const [namedCredentialName, namedCredential] = only('namedCredentials');
const [externalCredentialName, externalCredential] = only('externalCredentials');
const permissionSetLabels = new Map(
  [...componentsIn('permissionsets')].map(([name, file]) => [text(file.root, 'label') ?? '', name]),
);

describe('admin guide: the install steps name what the package ships', () => {
  test('step 4 opens the Named Credential by its label and finds the shipped placeholder URL', () => {
    const step = section(4);
    const label = text(namedCredential.root, 'label') ?? '';
    assert.match(step, new RegExp(`click \\*\\*${label}\\*\\* → \\*\\*Edit\\*\\*`), `clicks "${label}"`);
    const url = list(namedCredential.root, 'namedCredentialParameters').find(
      (p) => text(p, 'parameterType') === 'Url',
    );
    assert.ok(
      step.includes(`\`${text(url, 'parameterValue')}\``),
      'names the placeholder URL the package ships',
    );
    assert.equal(
      text(namedCredential.root, 'calloutStatus'),
      'Enabled',
      '"leave Enabled for Callouts checked"',
    );
    assert.match(step, /leave \*\*Enabled for Callouts\*\* checked/);
    // The Apex calls the credential by its developer name, and the guide calls it by its label.
    const client = readFileSync(path.join(CLASSES_DIR, 'AutoBackupClient.cls'), 'utf8');
    assert.ok(
      client.includes(`SERVICE_CALLOUT_NAME = '${namedCredentialName}'`),
      'Apex calls the shipped credential',
    );
  });

  test('step 5 adds ServiceKey to the shipped principal, the parameter the header formula reads', () => {
    const step = section(5);
    const label = text(externalCredential.root, 'label') ?? '';
    assert.match(step, new RegExp(`_External Credentials_ tab → \\*\\*${label}\\*\\* → Principals`));
    const parameters = list(externalCredential.root, 'externalCredentialParameters');
    const principal = parameters.find((p) => text(p, 'parameterType') === 'NamedPrincipal');
    assert.ok(principal, 'the External Credential has a named principal');
    assert.match(step, new RegExp(`Principals →\\s+\\*\\*${text(principal, 'parameterName')}\\*\\* → Edit`));
    const formula = text(
      parameters.find((p) => text(p, 'parameterType') === 'AuthHeader'),
      'parameterValue',
    );
    const [, credential, parameter] = /\$Credential\.(\w+)\.(\w+)/.exec(formula ?? '') ?? [];
    assert.equal(credential, externalCredentialName, 'the formula reads the shipped External Credential');
    assert.match(
      step,
      new RegExp(`\\| \`${parameter}\`\\s+\\|`),
      `the guide adds the parameter the formula reads`,
    );
    assert.ok(step.includes(`(\`${formula}\`)`), 'the guide quotes the formula as shipped');
  });

  test('step 6 names the permission sets and the custom permission by their labels', () => {
    const step = section(6);
    const named = bold(step).filter((phrase) => phrase.startsWith('Auto Backup '));
    assert.ok(named.length >= 2, `the step names the permission sets: ${named.join(', ')}`);
    for (const phrase of named) {
      assert.ok(
        permissionSetLabels.has(phrase),
        `"${phrase}" is the label of a permission set of the package`,
      );
    }
    for (const label of permissionSetLabels.keys()) {
      assert.ok(step.includes(`**${label}**`), `the step tells whom to give "${label}"`);
    }
    const [permissionName, permission] = only('customPermissions');
    assert.ok(
      step.includes(`_${text(permission.root, 'label')}_ (\`${permissionName}\`)`),
      'names the custom permission by label and API name',
    );
    // The object an admin grants Read on, as the Apex message names it for a user who lacks it.
    assert.match(step, /\*\*User External Credentials\*\* → \*\*Edit\*\* → tick\s+\*\*Read\*\*/);
  });

  test('the app, its tabs and the record-page component are found under the names the guide uses', () => {
    const [, app] = only('applications');
    assert.ok(GUIDE.includes(`App Launcher → **${text(app.root, 'label')}**`), 'the app by its label');
    const tabs = tabLabels('autoBackupApp');
    for (const tab of ['Errors', 'Settings']) {
      assert.ok(tabs.includes(tab), `the app has a tab "${tab}"`);
      assert.ok(GUIDE.includes(`**${tab}** tab`), `the guide calls it the ${tab} tab`);
    }
    assert.ok(
      tabs.includes('Excluded objects') && GUIDE.includes('_Excluded objects_ tab'),
      'Excluded objects',
    );
    const meta = readFileSync(path.join(SOURCE_DIR, 'lwc/backupHistory/backupHistory.js-meta.xml'), 'utf8');
    const label = /<masterLabel>([^<]+)<\/masterLabel>/.exec(meta)?.[1];
    assert.ok(meta.includes('<target>lightning__RecordPage</target>'), 'placeable on record pages');
    assert.ok(
      GUIDE.includes(`drag _${label}_ from the custom components`),
      'the guide drags it by its label',
    );
    const history = readFileSync(path.join(SOURCE_DIR, 'lwc/backupHistory/backupHistory.js'), 'utf8');
    assert.ok(
      GUIDE.includes('_Load older versions_') && history.includes("'Load older versions'"),
      'Load older',
    );
  });

  test('the messages the guide quotes are the ones a user gets', () => {
    const refused = userMessageLiterals('CredentialAccessException');
    const quoted = /sees "([^"…]+) … ([^"…]+)" instead of the dashboard/.exec(section(6));
    assert.ok(quoted, 'step 6 quotes the message of a user without Read on User External Credentials');
    for (const part of quoted.slice(1))
      assert.ok(refused.includes(part as string), `the Apex says "${part}"`);
    const ncLabel = text(namedCredential.root, 'label') ?? '';
    assert.ok(userMessageLiterals('UnreachableException').includes(`Named Credential "${ncLabel}"`));
    assert.ok(section(4).includes('could not be reached'), 'step 4 quotes the unreachable message');
    assert.ok(userMessageLiterals('UnreachableException').includes('could not be reached'));
    const ecLabel = text(externalCredential.root, 'label') ?? '';
    assert.ok(userMessageLiterals('AuthException').includes(`External Credential "${ecLabel}"`));
  });

  test("the figures and files the guide gives are the code's", () => {
    const errors = readFileSync(path.join(CLASSES_DIR, 'AutoBackupErrorsController.cls'), 'utf8');
    const max = Number(/CSV_PASS_THROUGH_MAX_BYTES = (\d+);/.exec(errors)?.[1]);
    assert.ok(GUIDE.includes(`the errors CSV over ${max.toLocaleString('en-US')} bytes`), `CSV over ${max}`);
    const history = readFileSync(path.join(CLASSES_DIR, 'AutoBackupHistoryController.cls'), 'utf8');
    const pageSize = /DEFAULT_PAGE_SIZE = (\d+);/.exec(history)?.[1];
    assert.ok(GUIDE.includes(`It loads ${pageSize} versions at a time`), `${pageSize} versions a page`);
    const scratchDefinition = /definition `([^`]+project-scratch-def\.json)`/.exec(section(8))?.[1] ?? '';
    assert.ok(existsSync(path.join(REPO_ROOT, scratchDefinition)), `${scratchDefinition} exists`);
    const project = JSON.parse(readFileSync(path.join(REPO_ROOT, 'sfdx-project.json'), 'utf8')) as {
      packageDirectories: Array<{ postInstallUrl?: string; releaseNotesUrl?: string }>;
    };
    const [directory] = project.packageDirectories;
    assert.match(directory?.postInstallUrl ?? '', /admin-guide/, 'installers are sent to this guide');
    const anchor = new URL(directory?.releaseNotesUrl ?? 'https://x/').hash.slice(1);
    const heading = anchor.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase());
    assert.ok(GUIDE_SOURCE.includes(`\n## ${heading}\n`), `the guide has the heading of #${anchor}`);
  });
});
