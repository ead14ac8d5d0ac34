import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOrg } from '../src/org/create-org.js';
import type { SimOrg } from '../src/org/api.js';
import { makeObjectDef } from '../src/org/schema/catalog.js';

/**
 * `custom` in a describe (Object Reference, "Custom Objects" / "Custom Fields",
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_custom_objects.htm):
 * custom fields carry `custom: true` and their API names end in `__c`. FIELDS(STANDARD) and
 * FIELDS(CUSTOM) split on it (SOQL and SOSL Reference, "FIELDS()",
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_fields.htm).
 */

const PAYLOADS = path.join(path.dirname(fileURLToPath(import.meta.url)), '../src/org/schema/payloads');

describe('describes agree with themselves about custom fields', () => {
  let org: SimOrg;
  before(async () => {
    org = await createOrg({ seed: 'none', seedValue: 'describe-custom' });
  });
  after(() => org.close());

  test('every shipped describe payload says custom: true exactly for the __c fields', () => {
    const files = readdirSync(PAYLOADS).filter((f) => f.startsWith('describe-'));
    assert.ok(files.length > 10);
    for (const file of files) {
      const d = JSON.parse(readFileSync(path.join(PAYLOADS, file), 'utf8').replace(/^\uFEFF/, '')) as {
        fields: { name: string; custom?: boolean }[];
      };
      for (const f of d.fields) {
        if (f.custom === undefined) continue;
        assert.equal(f.custom, f.name.endsWith('__c'), `${file}: ${f.name}`);
      }
    }
  });

  test('every object the org describes says custom: true exactly for the __c fields', () => {
    const global = org.describeGlobal().body as { sobjects: { name: string }[] };
    for (const { name } of global.sobjects) {
      const d = org.describe(name).body as { fields: { name: string; custom: boolean }[] };
      for (const f of d.fields) {
        if (f.name.endsWith('__c')) assert.equal(f.custom, true, `${name}.${f.name}`);
        else if (!f.name.includes('__')) assert.equal(f.custom, false, `${name}.${f.name}`);
      }
    }
  });

  test("the captured Account describe's custom fields are custom, so FIELDS() splits them right", () => {
    const fields = new Map(
      (org.describe('Account').body as { fields: { name: string; custom: boolean }[] }).fields.map((f) => [
        f.name,
        f,
      ]),
    );
    for (const name of ['History__c', 'Primary_Contact__c', 'ns__Description__c'])
      assert.equal(fields.get(name)?.custom, true, name);
    org.mutate({ object: 'Account', ops: [{ op: 'create', records: [{ Name: 'Fields split' }] }] });
    const standard = Object.keys(org.query('SELECT FIELDS(STANDARD) FROM Account').records[0]!);
    const custom = Object.keys(org.query('SELECT FIELDS(CUSTOM) FROM Account LIMIT 1').records[0]!);
    for (const name of ['History__c', 'Primary_Contact__c', 'ns__Description__c']) {
      assert.ok(!standard.includes(name), `FIELDS(STANDARD) leaves ${name} out`);
      assert.ok(custom.includes(name), `FIELDS(CUSTOM) has ${name}`);
    }
    assert.ok(standard.includes('Name') && !custom.includes('Name'));
  });

  test('a describe that contradicts itself is refused, naming the object and the field', () => {
    const build =
      (fields: Record<string, unknown>[], name = 'Widget__c', top?: Record<string, unknown>) =>
      () =>
        makeObjectDef({
          name,
          fields: [{ name: 'Id', type: 'id' }, ...fields],
          keyPrefix: 'a0W',
          idPrefix: 'a0W',
          custom: name.endsWith('__c'),
          nowMs: 0,
          ...(top ? { top } : {}),
        });
    assert.throws(
      build([{ name: 'Size__c', type: 'double', custom: false }]),
      /Widget__c.*Size__c.*custom: false/,
    );
    assert.throws(
      build([{ name: 'Size', type: 'double', custom: true }], 'Gadget'),
      /Gadget.*field Size.*custom: true/,
    );
    assert.throws(build([], 'Gizmo__c', { custom: false }), /Gizmo__c.*custom is false/);
    assert.doesNotThrow(build([{ name: 'Size__c', type: 'double', custom: true }]));
  });
});
