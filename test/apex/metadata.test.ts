/**
 * The package's metadata: every XML file parses (fast-xml-parser) with the metadata namespace and
 * the root element its folder promises, and the components reference each other consistently:
 * tab → FlexiPage → exposed LWC bundles, app → tab, permission sets → classes, tab, app, custom
 * permission and External Credential principal, Named Credential → External Credential, and every
 * Apex method an LWC imports is an @AuraEnabled method of an existing class.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { auraEnabledMethods, CLASSES_DIR, REPO_ROOT } from './support/apex-source.js';
import { apexCalls } from './support/lwc-apex-calls.js';
import { withTempDir } from './support/run-tool.js';
import {
  componentsIn,
  list,
  lwcBundles,
  METADATA_NAMESPACE,
  metadataFiles,
  readMetadata,
  SOURCE_DIR,
  text,
  type XmlNode,
} from './support/metadata.js';

const ROOT_BY_FOLDER: Record<string, string> = {
  applications: 'CustomApplication',
  classes: 'ApexClass',
  customPermissions: 'CustomPermission',
  externalCredentials: 'ExternalCredential',
  flexipages: 'FlexiPage',
  lwc: 'LightningComponentBundle',
  namedCredentials: 'NamedCredential',
  permissionsets: 'PermissionSet',
  tabs: 'CustomTab',
};

const TARGET_FOR_PAGE_TYPE: Record<string, string> = {
  AppPage: 'lightning__AppPage',
  RecordPage: 'lightning__RecordPage',
  HomePage: 'lightning__HomePage',
};

const classes = new Set(
  metadataFiles()
    .filter((f) => f.startsWith(CLASSES_DIR))
    .map((f) => path.basename(f, '.cls-meta.xml')),
);
const tabs = componentsIn('tabs');
const flexipages = componentsIn('flexipages');
const applications = componentsIn('applications');
const permissionSets = componentsIn('permissionsets');
const customPermissions = componentsIn('customPermissions');
const namedCredentials = componentsIn('namedCredentials');
const externalCredentials = componentsIn('externalCredentials');
const bundles = lwcBundles();

/** `EC-Principal` names a permission set can grant. */
function principals(): Set<string> {
  const names = new Set<string>();
  for (const [ecName, ec] of externalCredentials) {
    for (const parameter of list(ec.root, 'externalCredentialParameters')) {
      if (['NamedPrincipal', 'PerUserPrincipal'].includes(text(parameter, 'parameterType') ?? '')) {
        names.add(`${ecName}-${text(parameter, 'parameterName')}`);
      }
    }
  }
  return names;
}

/** Component names placed on a FlexiPage (custom components are namespace-less in source). */
function placedComponents(page: XmlNode): string[] {
  return list(page, 'flexiPageRegions')
    .flatMap((region) => list(region, 'itemInstances'))
    .map((item) => text(item.componentInstance, 'componentName'))
    .filter((name): name is string => name !== undefined);
}

const auraCache = new Map<string, ReturnType<typeof auraEnabledMethods>>();
function auraMethods(className: string): ReturnType<typeof auraEnabledMethods> {
  if (!auraCache.has(className)) {
    const file = path.join(CLASSES_DIR, `${className}.cls`);
    auraCache.set(className, existsSync(file) ? auraEnabledMethods(readFileSync(file, 'utf8')) : []);
  }
  return auraCache.get(className) ?? [];
}
function auraMethodsOf(className: string): string[] {
  return auraMethods(className).map((m) => m.name);
}

describe('metadata XML', () => {
  const files = metadataFiles();

  test('the package has its metadata', () => {
    for (const folder of Object.keys(ROOT_BY_FOLDER)) {
      assert.ok(
        files.some((f) => path.relative(SOURCE_DIR, f).startsWith(`${folder}${path.sep}`)),
        `no ${folder}`,
      );
    }
  });

  for (const file of files) {
    const relative = path.relative(SOURCE_DIR, file);
    test(`${relative} parses as ${ROOT_BY_FOLDER[relative.split(path.sep)[0] ?? ''] ?? 'metadata'}`, () => {
      const parsed = readMetadata(file);
      assert.equal(parsed.root['@xmlns'], METADATA_NAMESPACE);
      const expected = ROOT_BY_FOLDER[relative.split(path.sep)[0] ?? ''];
      if (expected) assert.equal(parsed.type, expected);
    });
  }

  test('no value is broken over lines (a formatter must not add whitespace to a value)', () => {
    for (const file of files.filter((f) => !f.includes(`${path.sep}lwc${path.sep}`))) {
      const wrapped = /<(\w+)>[ \t]*\n\s*([^<\s][^<]*?)\s*<\/\1>/.exec(readFileSync(file, 'utf8'));
      assert.equal(
        wrapped,
        null,
        `${path.relative(SOURCE_DIR, file)}: <${wrapped?.[1]}> spans lines: ${wrapped?.[2]}`,
      );
    }
  });

  test('broken XML is reported with its file', () => {
    assert.throws(
      () => readMetadata(path.join(import.meta.dirname, 'pmd-allowlist.json')),
      /pmd-allowlist\.json/,
    );
  });
});

describe('metadata references', () => {
  test('tab Auto_Backup opens FlexiPage Auto_Backup, an App Page', () => {
    const tab = tabs.get('Auto_Backup');
    assert.ok(tab, 'tab Auto_Backup');
    assert.equal(text(tab.root, 'label'), 'Auto Backup');
    const pageName = text(tab.root, 'flexiPage');
    assert.equal(pageName, 'Auto_Backup');
    assert.equal(text(flexipages.get(pageName)?.root, 'type'), 'AppPage');
  });

  test('every tab on a FlexiPage points to an existing page', () => {
    for (const [name, tab] of tabs) {
      const page = text(tab.root, 'flexiPage');
      if (page) assert.ok(flexipages.has(page), `tab ${name} → missing FlexiPage ${page}`);
    }
  });

  test('the Auto Backup page places autoBackupApp', () => {
    assert.ok(placedComponents(flexipages.get('Auto_Backup')?.root ?? {}).includes('autoBackupApp'));
  });

  test('every component on a FlexiPage is an LWC bundle exposed for that page type', () => {
    for (const [name, page] of flexipages) {
      const target = TARGET_FOR_PAGE_TYPE[text(page.root, 'type') ?? ''];
      assert.ok(target, `FlexiPage ${name} has an unexpected type ${text(page.root, 'type')}`);
      for (const component of placedComponents(page.root)) {
        if (component.includes(':') && !component.startsWith('c:')) continue; // platform components (flexipage:…)
        const bundle = bundles.get(component.replace(/^c:/, ''));
        assert.ok(bundle, `FlexiPage ${name} places ${component}, which is not in lwc/`);
        assert.ok(bundle.isExposed, `${component} must be isExposed to sit on ${name}`);
        assert.ok(bundle.targets.includes(target), `${component} must target ${target} to sit on ${name}`);
      }
    }
  });

  test('the record-page component backupHistory is exposed for record pages', () => {
    const bundle = bundles.get('backupHistory');
    assert.ok(bundle, 'lwc/backupHistory');
    assert.ok(bundle.isExposed && bundle.targets.includes('lightning__RecordPage'));
  });

  test('app Auto_Backup is a Lightning app whose tabs exist and that opens on Auto Backup', () => {
    const app = applications.get('Auto_Backup');
    assert.ok(app, 'application Auto_Backup');
    assert.equal(text(app.root, 'uiType'), 'Lightning');
    const appTabs = list(app.root, 'tabs').map(String);
    assert.ok(appTabs.includes('Auto_Backup'));
    assert.ok(
      appTabs.includes(text(app.root, 'defaultLandingTab') ?? ''),
      'landing tab is one of the app tabs',
    );
    for (const tab of appTabs) {
      if (!tab.startsWith('standard-')) assert.ok(tabs.has(tab), `app → missing tab ${tab}`);
    }
  });

  test('every reference of a permission set exists', () => {
    const knownPrincipals = principals();
    for (const [name, permissionSet] of permissionSets) {
      const root = permissionSet.root;
      for (const access of list(root, 'classAccesses')) {
        assert.ok(
          classes.has(text(access, 'apexClass') ?? ''),
          `${name} → missing class ${text(access, 'apexClass')}`,
        );
      }
      for (const setting of list(root, 'tabSettings')) {
        assert.ok(tabs.has(text(setting, 'tab') ?? ''), `${name} → missing tab ${text(setting, 'tab')}`);
      }
      for (const visibility of list(root, 'applicationVisibilities')) {
        assert.ok(applications.has(text(visibility, 'application') ?? ''), `${name} → missing app`);
      }
      for (const permission of list(root, 'customPermissions')) {
        assert.ok(
          customPermissions.has(text(permission, 'name') ?? ''),
          `${name} → missing custom permission`,
        );
      }
      for (const access of list(root, 'externalCredentialPrincipalAccesses')) {
        const principal = text(access, 'externalCredentialPrincipal') ?? '';
        assert.ok(knownPrincipals.has(principal), `${name} → unknown principal ${principal}`);
      }
    }
  });

  test('both permission sets open the app and tab, reach the service and run every controller', () => {
    const controllers = [...classes].filter((c) => auraMethodsOf(c).length > 0);
    assert.equal(controllers.length, 5);
    for (const name of ['Auto_Backup_Admin', 'Auto_Backup_User']) {
      const root = permissionSets.get(name)?.root;
      assert.ok(root, `permission set ${name}`);
      const enabledClasses = list(root, 'classAccesses')
        .filter((a) => text(a, 'enabled') === 'true')
        .map((a) => text(a, 'apexClass'));
      assert.deepEqual(enabledClasses.sort(), controllers.sort(), `${name} class access`);
      assert.ok(
        list(root, 'tabSettings').some(
          (t) => text(t, 'tab') === 'Auto_Backup' && text(t, 'visibility') === 'Visible',
        ),
      );
      assert.ok(
        list(root, 'applicationVisibilities').some(
          (a) => text(a, 'application') === 'Auto_Backup' && text(a, 'visible') === 'true',
        ),
      );
      assert.ok(
        list(root, 'externalCredentialPrincipalAccesses').some(
          (a) =>
            text(a, 'externalCredentialPrincipal') ===
              'AutoBackupServiceCredential-AutoBackupServicePrincipal' && text(a, 'enabled') === 'true',
        ),
        `${name} needs the service principal: every screen calls the service`,
      );
    }
  });

  test('only Auto Backup Admin grants Auto_Backup_Manage_Settings', () => {
    const grants = (name: string): boolean =>
      list(permissionSets.get(name)?.root, 'customPermissions').some(
        (p) => text(p, 'name') === 'Auto_Backup_Manage_Settings' && text(p, 'enabled') === 'true',
      );
    assert.equal(grants('Auto_Backup_Admin'), true);
    assert.equal(grants('Auto_Backup_User'), false);
    assert.equal(text(permissionSets.get('Auto_Backup_Admin')?.root, 'label'), 'Auto Backup Admin');
    assert.equal(text(permissionSets.get('Auto_Backup_User')?.root, 'label'), 'Auto Backup User');
  });

  test('Named Credential AutoBackupService uses External Credential AutoBackupServiceCredential', () => {
    const nc = namedCredentials.get('AutoBackupService');
    assert.ok(nc, 'named credential AutoBackupService');
    assert.equal(text(nc.root, 'namedCredentialType'), 'SecuredEndpoint');
    const parameters = list(nc.root, 'namedCredentialParameters');
    const ecNames = parameters
      .filter((p) => text(p, 'parameterType') === 'Authentication')
      .map((p) => text(p, 'externalCredential'));
    assert.deepEqual(ecNames, ['AutoBackupServiceCredential']);
    for (const ecName of ecNames)
      assert.ok(externalCredentials.has(ecName ?? ''), `NC → missing EC ${ecName}`);
    const url = parameters.find((p) => text(p, 'parameterType') === 'Url');
    assert.match(
      text(url, 'parameterValue') ?? '',
      /^https:\/\/[^/]+\.invalid$/,
      'an HTTPS placeholder the admin replaces',
    );
  });

  test('the Named Credential uses no field newer than the project API version', () => {
    // `description` on named credentials arrived with API 64.0 (ConnectApi.NamedCredentialInput lists
    // it as "Available Version 64.0": https://developer.salesforce.com/docs/platform/apex-ref/references/apex-ref/apex-connectapi-input-named-credential.html),
    // so at sourceApiVersion 62.0 a deploy may refuse it. The label says what it is; the admin guide the rest.
    const project = JSON.parse(readFileSync(path.join(REPO_ROOT, 'sfdx-project.json'), 'utf8')) as {
      sourceApiVersion: string;
    };
    const nc = namedCredentials.get('AutoBackupService');
    assert.ok(nc, 'named credential AutoBackupService');
    if (Number(project.sourceApiVersion) < 64) assert.equal(text(nc.root, 'description'), undefined);
  });

  test('the External Credential sends Authorization: Bearer from its own principal parameter', () => {
    const ec = externalCredentials.get('AutoBackupServiceCredential');
    assert.ok(ec);
    assert.equal(text(ec.root, 'authenticationProtocol'), 'Custom');
    const header = list(ec.root, 'externalCredentialParameters').find(
      (p) => text(p, 'parameterType') === 'AuthHeader',
    );
    assert.equal(text(header, 'parameterName'), 'Authorization');
    assert.equal(
      text(header, 'parameterValue'),
      "{!'Bearer ' & $Credential.AutoBackupServiceCredential.ServiceKey}",
    );
    assert.ok(principals().has('AutoBackupServiceCredential-AutoBackupServicePrincipal'));
  });

  test('no credential or key is stored in the package metadata', () => {
    for (const folder of ['namedCredentials', 'externalCredentials']) {
      for (const [name, component] of componentsIn(folder)) {
        const raw = readFileSync(component.file, 'utf8');
        assert.doesNotMatch(raw, /<(password|secret|token|apiKey|principalValue)>/i, `${folder}/${name}`);
        for (const parameter of [
          ...list(component.root, 'externalCredentialParameters'),
          ...list(component.root, 'namedCredentialParameters'),
        ]) {
          if (
            ['AuthParameter', 'AuthProviderUrlQueryParameter'].includes(
              text(parameter, 'parameterType') ?? '',
            )
          ) {
            assert.fail(
              `${folder}/${name} carries an authentication parameter value; the admin enters it after install`,
            );
          }
        }
      }
    }
  });

  test('every Apex method an LWC imports is an @AuraEnabled method of an existing class', () => {
    const imports: string[] = [];
    for (const bundle of bundles.values()) {
      for (const file of bundle.jsFiles) {
        for (const match of readFileSync(file, 'utf8').matchAll(/['"]@salesforce\/apex\/(\w+)\.(\w+)['"]/g)) {
          imports.push(`${match[1]}.${match[2]}`);
        }
      }
    }
    assert.ok(imports.length > 0, 'the components import Apex');
    const missing = [...new Set(imports)].filter((ref) => {
      const [className = '', method = ''] = ref.split('.');
      return !auraMethodsOf(className).includes(method);
    });
    assert.deepEqual(missing, []);
  });

  test('every LWC call of Apex passes only parameters the Apex method declares', () => {
    const calls = [...bundles.values()].flatMap((bundle) =>
      bundle.jsFiles.flatMap((file) => apexCalls(file)),
    );
    assert.ok(calls.length > 0, 'the components call Apex');
    const wrong: string[] = [];
    for (const call of calls) {
      const [className = '', methodName = ''] = call.apex.split('.');
      const method = auraMethods(className).find((m) => m.name === methodName);
      if (!method || call.argumentNames === null) continue; // a missing method is reported above
      const declared = method.params.map((p) => p.name);
      for (const name of call.argumentNames) {
        if (!declared.includes(name)) {
          wrong.push(
            `${path.relative(SOURCE_DIR, call.file)}: ${call.apex} has no parameter "${name}" (${declared.join(', ')})`,
          );
        }
      }
    }
    assert.deepEqual(wrong, []);
  });

  test('the call scanner reads imperative and wired calls, and sees a misnamed argument', async () => {
    await withTempDir('lwc-calls-', async (dir) => {
      const file = path.join(dir, 'probe.js');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(
        file,
        "import getObjects from '@salesforce/apex/AutoBackupObjectsController.getObjects';\n" +
          "export default class Probe { @wire(getObjects, { status: '$status', pageSize: 50 }) page;\n" +
          "  load() { return getObjects({ search: this.q, cursor, note: `a, ${'b'}` }); } }\n",
      );
      const calls = apexCalls(file);
      assert.deepEqual(
        calls.map((c) => c.argumentNames),
        [
          ['status', 'pageSize'],
          ['search', 'cursor', 'note'],
        ],
      );
    });
  });
});
