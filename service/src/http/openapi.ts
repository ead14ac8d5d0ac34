/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the route declarations and their zod schemas (JSON
 * Schema 2020-12, which OpenAPI 3.1 uses as is). It is served at /api/v1/openapi.json; tests validate every
 * route's real answers against the served document.
 */
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../app/app-error.js';
import * as s from './api-schemas.js';
import type { RouteSpec } from './route-spec.js';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** Errors every route of its kind can answer with, besides its own. */
function errorsOf(route: RouteSpec): ErrorCode[] {
  const body: ErrorCode[] = route.body
    ? ['MALFORMED_JSON', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE']
    : [];
  const common: ErrorCode[] =
    route.auth === 'none'
      ? ['INTERNAL']
      : ['INVALID_REQUEST', 'UNAUTHORIZED', 'NOT_FOUND', 'RATE_LIMITED', 'TIMEOUT', 'INTERNAL'];
  return [...new Set([...common, ...body, ...route.errors])];
}

function parameters(route: RouteSpec): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const json = jsonSchema(schema, 'input') as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(json.properties ?? {}))
      out.push({
        name,
        in: where,
        required: where === 'path' || (json.required ?? []).includes(name),
        schema: property,
      });
  }
  for (const h of route.headers ?? [])
    out.push({
      name: h.name,
      in: 'header',
      required: h.required ?? false,
      description: h.description,
      schema: { type: 'string' },
    });
  return out;
}

function operation(route: RouteSpec): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  responses['200'] =
    'mediaType' in route.answer
      ? {
          description: route.answer.description,
          content: { [route.answer.mediaType]: { schema: { type: 'string' } } },
        }
      : {
          description: 'OK',
          content: { 'application/json': { schema: jsonSchema(route.answer, 'output') } },
        };
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorsOf(route)) {
    const status = ERROR_CODES[code][0];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of [...byStatus].sort((a, b) => a[0] - b[0]))
    responses[String(status)] = {
      description: codes.join(', '),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  for (const other of route.otherAnswers ?? []) {
    const error = responses[String(other.status)];
    const schema = jsonSchema(other.schema, 'output');
    responses[String(other.status)] = {
      description: error ? `${other.description}; or ${String(error.description)}` : other.description,
      content: {
        'application/json': {
          schema: error ? { oneOf: [schema, { $ref: '#/components/schemas/Error' }] } : schema,
        },
      },
    };
  }
  return {
    summary: route.summary,
    operationId: `${route.method}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
    ...(route.auth === 'none'
      ? { security: [] }
      : route.auth === 'key-or-link'
        ? { security: [{ serviceKey: [] }, { signedLink: [] }] }
        : {}),
    parameters: parameters(route),
    ...(route.body
      ? {
          requestBody: {
            // A body that may be empty (`{}`) may also be left out.
            required: !route.body.safeParse({}).success,
            content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

export function buildOpenApiDocument(routes: RouteSpec[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const r of routes) (paths[r.path] ??= {})[r.method] = operation(r);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Auto Backup for Salesforce — service API',
      version,
      description:
        'What the managed package calls through its Named Credential. Every error is {"error":{"code","message"}}; lists page with `limit` (default 50, at most 1000) and an opaque `cursor`.',
    },
    security: [{ serviceKey: [] }],
    paths,
    components: {
      securitySchemes: {
        serviceKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'the per-org service key from `autobackup orgs add`',
        },
        signedLink: {
          type: 'apiKey',
          in: 'query',
          name: 'signature',
          description: 'a link from errors.csv/link (with `expires`)',
        },
      },
      schemas: {
        Error: jsonSchema(s.errorBody, 'output'),
        ErrorCode: { type: 'string', enum: Object.keys(ERROR_CODES) },
        ...Object.fromEntries(
          Object.entries(s.packageOnlySchemas).map(([name, schema]) => [
            name,
            { ...jsonSchema(schema, 'output'), 'x-package-only': true },
          ]),
        ),
      },
    },
  };
}
