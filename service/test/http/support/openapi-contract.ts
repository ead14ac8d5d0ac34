/**
 * Test support: the served OpenAPI document as a checker of real answers. Each answer is matched against the
 * operation's documented responses (status, media type, body schema compiled with Ajv 2020-12 + formats); an
 * error body must be {"error":{"code","message"}} with a code the document's ErrorCode enum lists, that the
 * documented response of that status names, and that the service's error table maps to that status. Every
 * checked answer is counted, so a test can assert that each documented status and code was produced.
 */
import assert from 'node:assert/strict';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { ERROR_CODES } from '../../../src/app/app-error.js';

const DOC_ID = 'urn:autobackup:openapi';

type Json = Record<string, unknown>;

export interface DocumentedResponse {
  description: string;
  content?: Record<string, { schema?: unknown }>;
}

export interface Operation {
  /** `get /api/v1/orgs/{orgId}/dashboard` */
  key: string;
  method: string;
  path: string;
  operationId: string;
  /** False for operations anyone may call (`security: []`). */
  authenticated: boolean;
  parameters: Array<{ name: string; in: string; required?: boolean; schema?: unknown }>;
  requestBody?: { required?: boolean; content: Record<string, { schema?: unknown }> };
  responses: Record<string, DocumentedResponse>;
}

/** A response as read once: status, headers and the body as bytes, text and (when JSON) parsed. */
export interface Answer {
  status: number;
  headers: Headers;
  bytes: Buffer;
  text: string;
  json: unknown;
}

export interface Expected {
  status: number;
  /** The error code expected (required for 4xx/5xx). */
  code?: string;
}

const pointer = (parts: string[]) =>
  '#/' + parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

const mediaTypeOf = (contentType: string | null) => (contentType ?? '').split(';')[0]!.trim().toLowerCase();

export async function readAnswer(res: Response): Promise<Answer> {
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  let json: unknown = undefined;
  if (mediaTypeOf(res.headers.get('content-type')) === 'application/json') {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status: res.status, headers: res.headers, bytes, text, json };
}

function describeAnswer(answer: Answer): string {
  return `${answer.status} ${answer.headers.get('content-type') ?? '(no content type)'} ${answer.text.slice(0, 300)}`;
}

export class OpenApiContract {
  readonly operations: Operation[];
  readonly errorCodes: readonly string[];
  /** operation key → status → codes produced ('' for a success) */
  private readonly produced = new Map<string, Map<string, Set<string>>>();
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(readonly document: Json) {
    ajvFormats.default(this.ajv);
    this.ajv.addSchema({ ...document, $id: DOC_ID });
    const paths = document.paths as Record<string, Record<string, Json>>;
    this.operations = Object.entries(paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        key: `${method} ${path}`,
        method,
        path,
        operationId: String(op.operationId),
        authenticated: !(Array.isArray(op.security) && op.security.length === 0),
        parameters: (op.parameters ?? []) as Operation['parameters'],
        ...(op.requestBody ? { requestBody: op.requestBody as Operation['requestBody'] } : {}),
        responses: op.responses as Operation['responses'],
      })),
    );
    const schemas = (document.components as { schemas: Record<string, { enum?: string[] }> }).schemas;
    this.errorCodes = schemas.ErrorCode?.enum ?? [];
  }

  static async fetch(baseUrl: string): Promise<OpenApiContract> {
    const res = await fetch(`${baseUrl}/api/v1/openapi.json`);
    assert.equal(res.status, 200, 'GET /api/v1/openapi.json answers the document');
    return new OpenApiContract((await res.json()) as Json);
  }

  operation(key: string): Operation {
    const op = this.operations.find((o) => o.key === key);
    assert.ok(op, `the document has no operation "${key}"`);
    return op;
  }

  private validator(parts: string[]): ValidateFunction {
    const ref = DOC_ID + pointer(parts);
    let validate = this.validators.get(ref);
    if (!validate) {
      validate = this.ajv.getSchema(ref);
      assert.ok(validate, `no schema at ${ref}`);
      this.validators.set(ref, validate);
    }
    return validate;
  }

  private validate(parts: string[], value: unknown, what: string): void {
    const validate = this.validator(parts);
    if (!validate(value))
      assert.fail(
        `${what} does not match the document (${pointer(parts)}): ${this.ajv.errorsText(validate.errors, { separator: '; ' })}\n` +
          `value: ${JSON.stringify(value).slice(0, 600)}`,
      );
  }

  /** The codes the documented response of `status` names (its description lists them). */
  documentedCodes(op: Operation, status: string): string[] {
    const words = op.responses[status]?.description.match(/[A-Z][A-Z_]+/g) ?? [];
    return words.filter((w) => this.errorCodes.includes(w));
  }

  /**
   * A request the test means as valid must be one the document describes: only documented query parameters,
   * each valid, every required one present, and the body valid against the request body schema.
   */
  checkRequest(op: Operation, query: Record<string, string>, body: unknown): void {
    const documented = op.parameters.filter((p) => p.in === 'query');
    for (const [name, value] of Object.entries(query)) {
      const index = op.parameters.findIndex((p) => p.in === 'query' && p.name === name);
      assert.ok(index >= 0, `${op.key}: query parameter "${name}" is not documented`);
      this.validate(
        ['paths', op.path, op.method, 'parameters', String(index), 'schema'],
        value,
        `${op.key} ?${name}`,
      );
    }
    for (const p of documented)
      if (p.required) assert.ok(p.name in query, `${op.key}: required query parameter "${p.name}" missing`);
    if (op.requestBody && body === undefined)
      assert.ok(!op.requestBody.required, `${op.key}: the document requires a body`);
    else if (op.requestBody) {
      this.validate(
        ['paths', op.path, op.method, 'requestBody', 'content', 'application/json', 'schema'],
        body,
        `${op.key} request body`,
      );
    }
  }

  /**
   * Checks an answer of `op` against the document and `expected`, and counts it. Where the documented response
   * is the Error schema, the body must carry `expected.code`, a code the response names.
   */
  check(op: Operation, answer: Answer, expected: Expected): void {
    const where = `${op.key} → ${describeAnswer(answer)}`;
    assert.equal(answer.status, expected.status, `${where}\nexpected status ${expected.status}`);
    const status = String(answer.status);
    const documented = op.responses[status];
    assert.ok(
      documented,
      `${op.key} answered ${status}${expected.code ? ` ${expected.code}` : ''}, a status the document does not list ` +
        `for this operation (documented: ${Object.keys(op.responses).join(', ')})\n${where}`,
    );
    const mediaTypes = Object.keys(documented.content ?? {});
    const got = mediaTypeOf(answer.headers.get('content-type'));
    assert.ok(
      mediaTypes.includes(got),
      `${op.key} answered ${status} as ${got || '(no content type)'}; the document gives ${mediaTypes.join(', ')}\n${where}`,
    );
    const parts = ['paths', op.path, op.method, 'responses', status, 'content', got, 'schema'];
    const body = got === 'application/json' ? answer.json : answer.text;
    assert.ok(body !== undefined, `${where}\nthe body is not JSON`);
    this.validate(parts, body, `${op.key} ${status} body`);
    const schema = (documented.content?.[got] as { schema?: { $ref?: string } } | undefined)?.schema;
    let code = '';
    if (schema?.$ref === '#/components/schemas/Error') {
      code = this.checkErrorBody(answer, where);
      assert.equal(code, expected.code, `${where}\nexpected code ${expected.code}`);
      const named = this.documentedCodes(op, status);
      assert.ok(
        named.includes(code),
        `${op.key} answered ${status} ${code}, but the document's ${status} response of this operation names ` +
          `only ${named.join(', ') || '(no code)'}`,
      );
    }
    this.record(op, answer.status, code);
  }

  /** For answers outside any operation (unknown route, wrong method): the error shape and code only. */
  checkUnrouted(answer: Answer, expected: Expected): void {
    const where = `unrouted → ${describeAnswer(answer)}`;
    assert.equal(answer.status, expected.status, where);
    assert.equal(mediaTypeOf(answer.headers.get('content-type')), 'application/json', where);
    this.validate(['components', 'schemas', 'Error'], answer.json, 'error body');
    assert.equal(this.checkErrorBody(answer, where), expected.code, where);
  }

  private checkErrorBody(answer: Answer, where: string): string {
    this.validate(['components', 'schemas', 'Error'], answer.json, 'error body');
    const code = (answer.json as { error: { code: string } }).error.code;
    assert.ok(
      this.errorCodes.includes(code),
      `${where}\ncode ${code} is not in the document's ErrorCode enum`,
    );
    const table = ERROR_CODES as Record<string, readonly [number, number]>;
    assert.equal(
      table[code]?.[0],
      answer.status,
      `${where}\ncode ${code} is not the code of status ${answer.status}`,
    );
    return code;
  }

  private record(op: Operation, status: number, code: string): void {
    // An error status documented with a schema of its own (not Error) counts for every code it names.
    if (status >= 400 && code === '')
      for (const named of this.documentedCodes(op, String(status))) this.record(op, status, named);
    const byStatus = this.produced.get(op.key) ?? new Map<string, Set<string>>();
    this.produced.set(op.key, byStatus);
    const codes = byStatus.get(String(status)) ?? new Set<string>();
    byStatus.set(String(status), codes);
    codes.add(code);
  }

  /** Every documented operation, status and (for errors) code that no checked answer produced. */
  missingCoverage(): string[] {
    const missing: string[] = [];
    for (const op of this.operations) {
      const byStatus = this.produced.get(op.key);
      if (!byStatus) {
        missing.push(`${op.key}: never called`);
        continue;
      }
      for (const status of Object.keys(op.responses)) {
        const codes = byStatus.get(status);
        if (!codes) {
          missing.push(`${op.key}: status ${status} never produced`);
          continue;
        }
        for (const code of this.documentedCodes(op, status))
          if (!codes.has(code)) missing.push(`${op.key}: ${status} ${code} never produced`);
      }
    }
    return missing;
  }
}
