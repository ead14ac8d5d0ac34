/**
 * The requests the Apex tests expect the client to send, checked against the service's OpenAPI document.
 * Apex tests only run in an org, and there AutoBackupCalloutMock answers whatever is asked; so a test
 * could assert a request the real service refuses (a path it does not have, a query parameter it does
 * not take, an id its schema rejects) and still pass. Here every endpoint a test asserts,
 * `AutoBackupTestData.orgPath() + '<path and query>'` (or `.endsWith('<…>')` on a recorded request),
 * is matched with an operation of the document, and every path and query value is validated against
 * that operation's parameter schema. A variable in the expression (`recordId`, `company.Id`: the tests
 * only put record ids there) stands for a record id. A broken copy shows the check can fail.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { API_VERSION, apiRoutes } from '../../service/src/http/app.js';
import { buildOpenApiDocument } from '../../service/src/http/openapi.js';
import { apexClassFiles } from './support/apex-source.js';
import { fixtureValidator } from './support/fixture-schema.js';
import type { JsonSchema } from './support/json-schema.js';

const ORG_ID = '00D000000000001EAA';
/** What a variable in an asserted endpoint stands for: the tests only concatenate record ids. */
const SAMPLE_RECORD_ID = '001000000000001AAA';
/** `'literal'` or a variable (`recordId`, `company.Id`), joined by `+`. */
const TERM = String.raw`(?:'(?:[^'\\]|\\.)*'|[A-Za-z_][\w.]*)`;
const TERMS = String.raw`${TERM}(?:\s*\+\s*${TERM})*`;
const document = buildOpenApiDocument(apiRoutes(), API_VERSION);

interface Parameter {
  name: string;
  in: string;
  schema?: JsonSchema;
}
type Operations = Record<string, { parameters?: Parameter[] }>;

interface Expected {
  file: string;
  /** Path and query, from the org path on (`/errors?object=Contact`), or a suffix of the endpoint. */
  endpoint: string;
  suffix: boolean;
}

/** The endpoints asserted in a test class: whole ones after orgPath(), and suffixes. */
export function expectedEndpoints(file: string, text: string): Expected[] {
  const found: Expected[] = [];
  const join = (expression: string) =>
    [...expression.matchAll(/'((?:[^'\\]|\\.)*)'|[A-Za-z_][\w.]*/g)]
      .map((m) => (m[1] === undefined ? SAMPLE_RECORD_ID : m[1].replace(/\\'/g, "'")))
      .join('');
  const whole = new RegExp(String.raw`AutoBackupTestData\.orgPath\(\)\s*\+\s*(${TERMS})\s*(?=[,)])`, 'g');
  for (const m of text.matchAll(whole)) found.push({ file, endpoint: join(m[1]!), suffix: false });
  const ending = new RegExp(String.raw`getEndpoint\(\)\s*\.endsWith\(\s*(${TERMS})\s*\)`, 'g');
  for (const m of text.matchAll(ending)) found.push({ file, endpoint: join(m[1]!), suffix: true });
  return found;
}

/** The problems of one asserted endpoint (none when some operation of the document takes it). */
export function checkEndpoint(expected: Expected, doc: JsonSchema = document): string[] {
  const [pathPart = '', query = ''] = expected.endpoint.split('?');
  const actual = `/api/v1/orgs/${ORG_ID}${expected.suffix ? '' : pathPart}`.split('/');
  const suffix = pathPart.split('/').filter((part, i) => i > 0 || part !== '');
  const paths = (doc.paths ?? {}) as Record<string, Operations>;
  const where = `${expected.file}: ${expected.endpoint}`;
  const reasons: string[] = [];
  for (const [template, operations] of Object.entries(paths)) {
    const templateParts = template.split('/');
    // A suffix is aligned with the end of the template; a whole path with all of it.
    const parts = expected.suffix ? suffix : actual;
    if (expected.suffix ? parts.length > templateParts.length : parts.length !== templateParts.length)
      continue;
    const aligned = templateParts.slice(templateParts.length - parts.length);
    const pathValues = new Map<string, string>();
    if (
      !aligned.every((t, i) =>
        /^\{\w+\}$/.test(t) ? (pathValues.set(t.slice(1, -1), parts[i]!), true) : t === parts[i],
      )
    )
      continue;
    for (const [method, operation] of Object.entries(operations)) {
      const problems: string[] = [];
      const parameters = operation.parameters ?? [];
      const check = (kind: string, name: string, raw: string) => {
        const parameter = parameters.find((p) => p.in === kind && p.name === name);
        if (!parameter) return problems.push(`${kind} parameter "${name}" is not taken`);
        const value = decodeURIComponent(raw.replace(/\+/g, ' '));
        const validate = fixtureValidator().compile(parameter.schema ?? {});
        if (!validate(value))
          problems.push(`${kind} parameter ${name}=${JSON.stringify(value)} is refused by its schema`);
        return 0;
      };
      for (const [name, value] of pathValues)
        if (name !== 'orgId' || !expected.suffix) check('path', name, value);
      for (const pair of query ? query.split('&') : []) {
        const [name = '', value = ''] = pair.split('=');
        check('query', name, value);
      }
      if (problems.length === 0) return [];
      reasons.push(`${method.toUpperCase()} ${template}: ${problems.join('; ')}`);
    }
  }
  return [
    `${where}: ${reasons.length > 0 ? reasons.join(' | ') : 'no operation of the API document has this path'}`,
  ];
}

const sources = apexClassFiles()
  .filter((f) => f.endsWith('_Tests.cls'))
  .map((f) => ({ file: path.basename(f), text: readFileSync(f, 'utf8') }));
const expected = sources.flatMap((s) => expectedEndpoints(s.file, s.text));

describe('the requests the Apex tests expect, against the OpenAPI document', () => {
  test('the tests assert endpoints of every kind of request', () => {
    const kinds = new Set(
      expected.filter((e) => !e.suffix).map((e) => e.endpoint.split('?')[0]!.split('/')[1]),
    );
    for (const kind of ['dashboard', 'objects', 'errors', 'errors.csv', 'records', 'enable', 'settings'])
      assert.ok(kinds.has(kind), `no test asserts a request to /${kind}… (found ${[...kinds].join(', ')})`);
    assert.ok(expected.length >= 15, `only ${expected.length} asserted endpoints found`);
  });

  test('every asserted endpoint is one the service takes, with values its schemas accept', () => {
    assert.deepEqual(
      expected.flatMap((e) => checkEndpoint(e)),
      [],
    );
  });

  test('a path, a query parameter or a value the service refuses is found', () => {
    const bad = [
      { file: 'X', endpoint: '/errors/err-1/dismiss', suffix: false },
      { file: 'X', endpoint: '/objects?page=2', suffix: false },
      { file: 'X', endpoint: '/excludes', suffix: false },
      { file: 'X', endpoint: '/versions?before=yesterday', suffix: true },
    ];
    const problems = bad.map((e) => checkEndpoint(e).join(' '));
    assert.match(problems[0]!, /errorId="err-1" is refused/);
    assert.match(problems[1]!, /query parameter "page" is not taken/);
    assert.match(problems[2]!, /no operation/);
    assert.match(problems[3]!, /before="yesterday" is refused/);
  });
});
