/**
 * One contract, three readers: the service's OpenAPI document (built from its zod schemas, the one served
 * at GET /api/v1/openapi.json), the package's Apex, and the Lightning component fixtures must agree on
 * every JSON name and type. checkApiContract (support/api-contract.ts) finds, without a hand-written list:
 *
 * - each request of AutoBackupClient (`send('<METHOD>', <path>, <body>[, <headers>])`, the path followed
 *   through orgPath, locals and constants) and the document's operation for it — a path the document lacks
 *   is a problem; so is a query parameter or header the operation does not declare, and a body its
 *   requestBody would refuse (PUT settings: every AutoBackupModels.Settings property must be in it);
 * - the model class each answer is read into (`AutoBackupModels.X.class`, or the X the method returns):
 *   every property, nested classes included, must be in the answer schema with a type Apex can read it as
 *   (String ↔ string, Integer/Long ↔ integer, Decimal/Double ↔ number, Boolean, List ↔ array, Map ↔ object);
 * - each key read from a JSON.deserializeUntyped map (`source.get('…')`, the key list of getErrors, and
 *   the error body `{"error":{"code","message"}}` read for every failed request) in the schema it reads;
 * - each `__tests__/data/<method>.json` fixture, as the return value of the @AuraEnabled method of that
 *   name: validated (Ajv, JSON Schema 2020-12 with formats) against the schema of the answer its model
 *   class is read from, restricted to what Apex keeps of it. Where the model deliberately differs from
 *   the answer, the restriction follows the model: only @AuraEnabled properties (RecordVersions keeps no
 *   `object` or `id`), a Map built from untyped reads keeps the keys read (ErrorPage items), a Map filled
 *   by JSON.deserialize keeps everything (Dashboard.coverage). Keys Apex drops are refused in a fixture,
 *   and a key Apex keeps that the answer requires must be there. Package-only shapes (`x-package-only`
 *   components such as ErrorsCsv) are compared with the model class of the same name.
 *
 * The real sources must give no problem; the broken copies below (one renamed or retyped field each, on
 * every side) must each give a problem naming that field, so the check can fail.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { readClient } from './support/apex-client.js';
import { readModels } from './support/apex-models.js';
import {
  checkApiContract,
  type ContractSources,
  loadContractSources,
  LWC_DIR,
} from './support/api-contract.js';
import type { JsonSchema } from './support/json-schema.js';

const real = loadContractSources();

/** `text` with `from` (which must occur exactly once) replaced by `to`. */
function replaceOnce(text: string, from: string, to: string): string {
  const count = text.split(from).length - 1;
  assert.equal(count, 1, `the mutation needs exactly one ${JSON.stringify(from)}, found ${count}`);
  return text.replace(from, to);
}

/** The problems of a deep copy of the real sources after `mutate`. */
function problemsAfter(mutate: (copy: ContractSources) => void): string[] {
  const copy: ContractSources = {
    ...real,
    document: structuredClone(real.document),
    fixtures: structuredClone(real.fixtures),
  };
  mutate(copy);
  return checkApiContract(copy);
}

function assertProblemNaming(problems: string[], ...words: string[]): void {
  assert.ok(
    problems.some((p) => words.every((w) => p.includes(w))),
    `expected a problem naming ${words.map((w) => JSON.stringify(w)).join(' and ')}, got:\n${problems.join('\n') || '(none)'}`,
  );
}

type Json = Record<string, unknown>;
const at = (value: unknown, ...keys: string[]): Json =>
  keys.reduce<Json>((node, key) => {
    const next = node[key];
    assert.ok(next && typeof next === 'object', `no ${keys.join('.')} in the document`);
    return next as Json;
  }, value as Json);
const answer = (document: JsonSchema, method: string, path: string): Json =>
  at(document, 'paths', path, method, 'responses', '200', 'content', 'application/json', 'schema');

/** Renames a property of an object schema (and in its `required`). */
function renameProperty(object: Json, from: string, to: string): void {
  const properties = at(object, 'properties');
  assert.ok(from in properties, `no property ${from}`);
  properties[to] = properties[from];
  delete properties[from];
  object.required = ((object.required as string[] | undefined) ?? []).map((r) => (r === from ? to : r));
}

function fixture(copy: ContractSources, suffix: string): Json {
  const found = copy.fixtures.filter((f) => f.file.endsWith(suffix));
  assert.equal(found.length, 1, `one fixture ending in ${suffix}`);
  return found[0]!.data as Json;
}

describe('API contract: the OpenAPI document, the Apex and the LWC fixtures agree', () => {
  test('the real sources have no problem', () => {
    assert.deepEqual(checkApiContract(real), []);
  });

  test('every request of the client is read, and every bundle with fixtures', () => {
    const models = new Set(readModels(real.models).keys());
    const sendCalls = real.client.match(/\bsend\(\s*'/g) ?? [];
    assert.ok(sendCalls.length >= 10, `only ${sendCalls.length} send('…') calls in the client`);
    assert.equal(readClient(real.client, models).routeCalls.length, sendCalls.length);
    const bundles = readdirSync(LWC_DIR).filter((b) =>
      existsSync(path.join(LWC_DIR, b, '__tests__', 'data')),
    );
    assert.deepEqual([...new Set(real.fixtures.map((f) => f.file.split('/')[0]))], bundles.sort());
  });
});

describe('API contract: a field renamed in the Apex models is found', () => {
  test('a property of a model class', () => {
    const problems = problemsAfter((c) => {
      c.models = replaceOnce(c.models, 'public String lastScanAt;', 'public String lastScannedAt;');
    });
    assertProblemNaming(problems, 'AutoBackupModels.Dashboard.lastScannedAt', 'dashboard answer');
  });

  test('a property of a nested class with a type the JSON cannot be read as', () => {
    const problems = problemsAfter((c) => {
      c.models = replaceOnce(c.models, 'public Decimal budgetShare;', 'public Integer budgetShare;');
    });
    assertProblemNaming(problems, 'AutoBackupModels.Dashboard.api.budgetShare (Integer)', 'number');
  });

  test('a settings property the PUT body does not take', () => {
    const problems = problemsAfter((c) => {
      c.models = replaceOnce(c.models, 'public Integer version;', 'public Integer revision;');
    });
    assertProblemNaming(problems, 'putSettings', 'request body', 'revision');
  });
});

describe('API contract: a key renamed in the client is found', () => {
  test('a key read from a deserializeUntyped map', () => {
    const problems = problemsAfter((c) => {
      c.client = replaceOnce(c.client, "source.get('systemModstamp')", "source.get('systemModStamp')");
    });
    assertProblemNaming(problems, 'getRecordVersions', '"systemModStamp"', 'versions answer');
  });

  test('a key of the error list key loop', () => {
    const problems = problemsAfter((c) => {
      c.client = replaceOnce(c.client, "'recordId',", "'recordID',");
    });
    assertProblemNaming(problems, 'getErrors', '"recordID"');
  });

  test('a key of the error answer', () => {
    const problems = problemsAfter((c) => {
      c.client = replaceOnce(c.client, "error.get('message') instanceof", "error.get('text') instanceof");
    });
    assertProblemNaming(problems, 'toException', '"text"', 'components.schemas.Error');
  });

  test('an untyped read of the wrong type', () => {
    const problems = problemsAfter((c) => {
      c.client = replaceOnce(
        c.client,
        "source.get('deleted') == true",
        "source.get('systemModstamp') == true",
      );
    });
    assertProblemNaming(problems, 'getRecordVersions', '(Boolean)', 'systemModstamp');
  });

  test('a path the document does not have', () => {
    const problems = problemsAfter((c) => {
      c.client = replaceOnce(c.client, "orgPath('/excluded')", "orgPath('/excludes')");
    });
    assertProblemNaming(problems, 'getExcludedObjects', 'GET /api/v1/orgs/{}/excludes', 'does not have');
  });

  test('a query parameter the route does not take', () => {
    const problems = problemsAfter((c) => {
      c.client = replaceOnce(c.client, ".add('before', before)", ".add('olderThan', before)");
    });
    assertProblemNaming(problems, 'getRecordVersions', '"olderThan"');
  });

  test('a header the route does not declare', () => {
    const problems = problemsAfter((c) => {
      c.client = replaceOnce(c.client, "'X-AutoBackup-User-Name' =>", "'X-AutoBackup-Username' =>");
    });
    assertProblemNaming(problems, 'putSettings', '"X-AutoBackup-Username"');
  });
});

describe('API contract: a property renamed in the OpenAPI document is found', () => {
  test('a property of an answer read into a model class', () => {
    const problems = problemsAfter((c) => {
      renameProperty(
        at(answer(c.document, 'get', '/api/v1/orgs/{orgId}/objects'), 'properties', 'items', 'items'),
        'caughtUpTo',
        'caughtUpUntil',
      );
    });
    assertProblemNaming(problems, 'AutoBackupModels.ObjectPage.items[].caughtUpTo');
    assertProblemNaming(problems, 'getObjects.json', '"caughtUpTo"');
  });

  test('a property of an answer read untyped', () => {
    const problems = problemsAfter((c) => {
      renameProperty(
        at(answer(c.document, 'get', '/api/v1/orgs/{orgId}/errors'), 'properties', 'items', 'items'),
        'recordId',
        'record',
      );
    });
    assertProblemNaming(problems, 'getErrors', '"recordId"');
  });

  test('a property of the error answer', () => {
    const problems = problemsAfter((c) => {
      renameProperty(at(c.document, 'components', 'schemas', 'Error', 'properties', 'error'), 'code', 'kind');
    });
    assertProblemNaming(problems, 'toException', '"code"');
  });

  test('a property of the PUT settings body', () => {
    const problems = problemsAfter((c) => {
      const put = at(
        c.document,
        'paths',
        '/api/v1/orgs/{orgId}/settings',
        'put',
        'requestBody',
        'content',
        'application/json',
        'schema',
      );
      renameProperty(put, 'version', 'basedOn');
    });
    assertProblemNaming(problems, 'putSettings', 'request body', 'version');
  });

  test('a property of a package-only shape', () => {
    const problems = problemsAfter((c) => {
      renameProperty(at(c.document, 'components', 'schemas', 'ErrorsCsv'), 'fileName', 'name');
    });
    assertProblemNaming(problems, 'AutoBackupModels.ErrorsCsv.fileName', 'package-only');
  });

  test('a route the client calls', () => {
    const problems = problemsAfter((c) => {
      delete at(c.document, 'paths')['/api/v1/orgs/{orgId}/excluded'];
    });
    assertProblemNaming(problems, 'getExcludedObjects', '/excluded', 'does not have');
  });
});

describe('API contract: a fixture that is not what Apex returns is found', () => {
  test('a key renamed', () => {
    const problems = problemsAfter((c) => {
      const dashboard = fixture(c, 'backupDashboard/__tests__/data/getDashboard.json');
      dashboard.lastScan = dashboard.lastScanAt;
      delete dashboard.lastScanAt;
    });
    assertProblemNaming(problems, 'backupDashboard/__tests__/data/getDashboard.json', "'lastScanAt'");
    assertProblemNaming(problems, 'backupDashboard/__tests__/data/getDashboard.json', '"lastScan"');
  });

  test('a field missing', () => {
    const problems = problemsAfter((c) => {
      delete fixture(c, 'getSettings.json').version;
    });
    assertProblemNaming(problems, 'getSettings.json', "'version'");
  });

  test('a key of the answer that Apex does not keep', () => {
    const problems = problemsAfter((c) => {
      fixture(c, 'getRecordVersions.json').object = 'Account';
    });
    assertProblemNaming(problems, 'getRecordVersions.json', '"object"');
  });

  test('a key of an error item that the client does not copy', () => {
    const problems = problemsAfter((c) => {
      const items = fixture(c, 'getErrors.json').items as Json[];
      items[0]!.stack = 'at line 1';
    });
    assertProblemNaming(problems, 'getErrors.json', '/items/0', '"stack"');
  });

  test('a value of the wrong type or format', () => {
    const problems = problemsAfter((c) => {
      at(fixture(c, 'enableAutoBackup.json'), 'coverage').from = 'yesterday';
    });
    assertProblemNaming(problems, 'enableAutoBackup.json', '/coverage/from', 'date-time');
  });

  test('a fixture named after no Apex method', () => {
    const problems = problemsAfter((c) => {
      c.fixtures.push({ file: 'backupSettings/__tests__/data/getSetting.json', data: {} });
    });
    assertProblemNaming(problems, 'getSetting.json', 'no @AuraEnabled method', 'getSetting');
  });
});
