/**
 * The schema a Lightning component fixture must match. A fixture (`__tests__/data/<method>.json`) stands
 * for what an Apex controller method returns, i.e. an AutoBackupModels class as Aura serializes it: only
 * its @AuraEnabled properties. So the fixture is checked against the schema of the answer that class is
 * read from, restricted to what Apex keeps of it:
 * - a model class keeps its @AuraEnabled properties: the object's properties are cut to those, its
 *   `required` too, and nothing else is allowed (additionalProperties: false);
 * - a Map keeps the keys it is given: when the client built it from untyped reads (ErrorPage items), the
 *   keys it read there; when JSON.deserialize filled it (Dashboard.coverage), the whole object;
 * - lists restrict their items the same way; everything else is the answer's schema unchanged, with its
 *   types, enums, formats and nullability.
 */
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { type ApexType, type ModelIndex } from './apex-models.js';
import { dereference, type JsonSchema, objectBranch, propertiesOf, resolve } from './json-schema.js';

export interface Restriction {
  document: JsonSchema;
  models: ModelIndex;
  keysRead: Map<JsonSchema, Set<string>>;
}

/** Applies `change` to the object schema inside `schema` (also inside a nullable anyOf). */
function mapObject(
  schema: JsonSchema,
  r: Restriction,
  change: (object: JsonSchema) => JsonSchema,
): JsonSchema {
  const s = resolve(schema, r.document);
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(s[key])) {
      const members = (s[key] as JsonSchema[]).map((m) =>
        objectBranch(m, r.document) ? mapObject(m, r, change) : (dereference(m, r.document) as JsonSchema),
      );
      return { ...(dereference({ ...s, [key]: undefined }, r.document) as JsonSchema), [key]: members };
    }
  }
  return change(s);
}

function keepOnly(
  object: JsonSchema,
  r: Restriction,
  kept: Map<string, (property: JsonSchema) => JsonSchema>,
): JsonSchema {
  const properties = propertiesOf(object);
  const restricted: Record<string, JsonSchema> = {};
  for (const [name, restrict] of kept) if (properties[name]) restricted[name] = restrict(properties[name]);
  const required = ((object.required as string[] | undefined) ?? []).filter((name) => name in restricted);
  const rest = dereference(
    { ...object, properties: undefined, required: undefined },
    r.document,
  ) as JsonSchema;
  return { ...rest, properties: restricted, required, additionalProperties: false };
}

/** The part of `schema` a value of the Apex type keeps (see the module comment). */
export function restrictToApex(type: ApexType, schema: JsonSchema, r: Restriction): JsonSchema {
  switch (type.kind) {
    case 'model': {
      const model = r.models.get(type.name);
      if (!model) return dereference(schema, r.document) as JsonSchema;
      const kept = new Map(
        model.properties
          .filter((p) => p.auraEnabled)
          .map((p) => [p.name, (s: JsonSchema) => restrictToApex(p.type, s, r)] as const),
      );
      return mapObject(schema, r, (object) => keepOnly(object, r, kept));
    }
    case 'map': {
      const object = objectBranch(schema, r.document);
      const keys = object ? r.keysRead.get(object) : undefined;
      if (!keys) return dereference(schema, r.document) as JsonSchema;
      const whole = (s: JsonSchema) => dereference(s, r.document) as JsonSchema;
      return mapObject(schema, r, (o) => keepOnly(o, r, new Map([...keys].map((k) => [k, whole] as const))));
    }
    case 'list': {
      const s = resolve(schema, r.document);
      if (s.type !== 'array' || typeof s.items !== 'object') return dereference(s, r.document) as JsonSchema;
      return { ...s, items: restrictToApex(type.of, s.items as JsonSchema, r) };
    }
    default:
      return dereference(schema, r.document) as JsonSchema;
  }
}

// ajv-formats is CommonJS (module.exports = plugin, plugin.default = plugin); under NodeNext the default
// import is that module object.
const addFormats = addFormatsModule.default;

/** A validator for fixtures: JSON Schema 2020-12 with formats; OpenAPI `x-` annotations allowed. */
export function fixtureValidator(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  ajv.addKeyword('x-package-only');
  return ajv;
}

/** One line per Ajv error, naming the path and, for an unexpected key, the key. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const extra = (e.params as { additionalProperty?: string }).additionalProperty;
    // zod's date-time pattern is long; the format error next to it says the same
    const message = (e.message ?? e.keyword).replace(/^(must match pattern) ".{60,}"$/, '$1 of the schema');
    return `${e.instancePath || '/'} ${message}${extra === undefined ? '' : ` ("${extra}")`}`;
  });
}
