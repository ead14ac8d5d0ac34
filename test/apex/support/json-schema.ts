/**
 * Reading the JSON Schemas (2020-12) of the service's OpenAPI document: which JSON types a schema allows
 * (nullable is `type: [..., "null"]` or `anyOf: [..., {type: "null"}]`), the object or array inside a
 * nullable one, and `$ref`s into `components`. Enough for the shapes zod writes, not a general library.
 */
export type JsonSchema = Record<string, unknown>;
export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object' | 'null';

const isSchema = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The schema itself, or the one its `$ref` (`#/components/schemas/…`) points to in the document. */
export function resolve(schema: JsonSchema, document: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported, got ${ref}`);
  let node: unknown = document;
  for (const part of ref.slice(2).split('/'))
    node = isSchema(node) ? node[part.replace(/~1/g, '/')] : undefined;
  if (!isSchema(node)) throw new Error(`$ref ${ref} points to nothing`);
  return resolve(node, document);
}

function members(schema: JsonSchema): JsonSchema[] {
  return [...((schema.anyOf as unknown[]) ?? []), ...((schema.oneOf as unknown[]) ?? [])].filter(isSchema);
}

function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as JsonType;
}

/** The JSON types a value of this schema may have; 'any' when it does not constrain the type (`{}`). */
export function jsonTypes(schema: JsonSchema, document: JsonSchema): Set<JsonType> | 'any' {
  const s = resolve(schema, document);
  if (typeof s.type === 'string') return new Set([s.type as JsonType]);
  if (Array.isArray(s.type)) return new Set(s.type as JsonType[]);
  if ('const' in s) return new Set([jsonTypeOf(s.const)]);
  if (Array.isArray(s.enum)) return new Set(s.enum.map(jsonTypeOf));
  const union = members(s);
  if (union.length > 0) {
    const types = new Set<JsonType>();
    for (const member of union) {
      const inner = jsonTypes(member, document);
      if (inner === 'any') return 'any';
      for (const t of inner) types.add(t);
    }
    return types;
  }
  if (isSchema(s.properties)) return new Set(['object']);
  return 'any';
}

/** The types besides null: what a present value is. */
export function presentTypes(schema: JsonSchema, document: JsonSchema): Set<JsonType> | 'any' {
  const types = jsonTypes(schema, document);
  if (types === 'any') return types;
  return new Set([...types].filter((t) => t !== 'null'));
}

function branchWith(schema: JsonSchema, document: JsonSchema, type: JsonType): JsonSchema | undefined {
  const s = resolve(schema, document);
  const own = jsonTypes({ ...s, anyOf: undefined, oneOf: undefined }, document);
  if (own !== 'any' && own.has(type)) return s;
  for (const member of members(s)) {
    const found = branchWith(member, document, type);
    if (found) return found;
  }
  return undefined;
}

/** The object schema of an object (or nullable object) schema; undefined when it allows no object. */
export function objectBranch(schema: JsonSchema, document: JsonSchema): JsonSchema | undefined {
  return branchWith(schema, document, 'object');
}

/** The item schema of an array (or nullable array) schema; undefined when it allows no array. */
export function arrayItems(schema: JsonSchema, document: JsonSchema): JsonSchema | undefined {
  const branch = branchWith(schema, document, 'array');
  if (!branch) return undefined;
  return isSchema(branch.items) ? resolve(branch.items, document) : {};
}

/** Named properties of an object schema. */
export function propertiesOf(objectSchema: JsonSchema): Record<string, JsonSchema> {
  return isSchema(objectSchema.properties) ? (objectSchema.properties as Record<string, JsonSchema>) : {};
}

/** Schemas a value of a map over this object may have: each named property and `additionalProperties`. */
export function valueSchemas(objectSchema: JsonSchema, document: JsonSchema): JsonSchema[] {
  const values = Object.values(propertiesOf(objectSchema)).map((p) => resolve(p, document));
  const extra = objectSchema.additionalProperties;
  if (isSchema(extra)) values.push(resolve(extra, document));
  else if (extra === undefined || extra === true) values.push({});
  return values;
}

/** A copy with every `$ref` replaced by what it points to (the document has no recursive shapes). */
export function dereference(schema: unknown, document: JsonSchema): unknown {
  if (Array.isArray(schema)) return schema.map((s) => dereference(s, document));
  if (!isSchema(schema)) return schema;
  const s = resolve(schema, document);
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, dereference(v, document)]));
}
