/**
 * Whether an Apex type and a JSON Schema agree, in the direction the JSON travels:
 * - read: every value the schema allows can be read into the Apex type (JSON.deserialize or a cast of a
 *   deserializeUntyped value): String ↔ string, Integer/Long ↔ integer, Decimal/Double ↔ number or integer,
 *   Boolean ↔ boolean, List<X> ↔ array of X, Map<String, V> ↔ object of V, a model class ↔ an object with
 *   each of its properties, Object ↔ anything. null is always fine (every Apex type is nullable).
 * - write: what JSON.serialize(value, true) writes of the Apex type is valid for the schema, and the
 *   schema's required properties are all there.
 * Each disagreement is one problem naming the Apex property and the place in the schema.
 */
import {
  arrayItems,
  type JsonSchema,
  type JsonType,
  objectBranch,
  presentTypes,
  propertiesOf,
  valueSchemas,
} from './json-schema.js';
import { type ApexType, describeType, MODELS_CLASS, type ModelIndex } from './apex-models.js';

export type Direction = 'read' | 'write';

export interface JsonContext {
  document: JsonSchema;
  models: ModelIndex;
  direction: Direction;
  /** Called for every model class compared with an object schema (which classes a check reached). */
  onModel?: (name: string, objectSchema: JsonSchema) => void;
}

/** Where in the Apex code and where in the schema: both go into every problem. */
export interface Place {
  apex: string;
  schema: string;
}

const child = (place: Place, apex: string, schema: string): Place => ({
  apex: `${place.apex}${apex}`,
  schema: `${place.schema}${schema}`,
});

/** JSON types a present value of a scalar Apex type can be read from. */
const READABLE: Record<string, JsonType[]> = {
  String: ['string'],
  Id: ['string'],
  Integer: ['integer'],
  Long: ['integer'],
  Decimal: ['number', 'integer'],
  Double: ['number', 'integer'],
  Boolean: ['boolean'],
};
/** The JSON type JSON.serialize writes for a scalar Apex type. */
const WRITTEN: Record<string, JsonType> = {
  String: 'string',
  Id: 'string',
  Integer: 'integer',
  Long: 'integer',
  Decimal: 'number',
  Double: 'number',
  Boolean: 'boolean',
};

function problem(place: Place, type: ApexType, text: string): string {
  return `${place.apex} (${describeType(type)}) ↔ ${place.schema}: ${text}`;
}

const list = (types: Iterable<string>): string => [...types].join(' or ');

/** The problems of comparing `type` with `schema` (empty when they agree). */
export function compareWithSchema(
  type: ApexType,
  schema: JsonSchema,
  place: Place,
  ctx: JsonContext,
): string[] {
  const present = presentTypes(schema, ctx.document);
  if (type.kind === 'object') return [];
  if (type.kind === 'other') return [problem(place, type, 'not a type this check knows how to compare')];
  if (present === 'any') {
    return ctx.direction === 'read'
      ? [problem(place, type, 'the schema allows any JSON value; only Object can hold that')]
      : [];
  }
  const expected: JsonType[] =
    type.kind === 'scalar'
      ? ctx.direction === 'read'
        ? READABLE[type.name]!
        : [WRITTEN[type.name]!]
      : [type.kind === 'list' ? 'array' : 'object'];
  if (ctx.direction === 'read') {
    const unreadable = [...present].filter((t) => !expected.includes(t));
    if (unreadable.length > 0)
      return [
        problem(
          place,
          type,
          `the schema allows ${list(unreadable)}, which Apex cannot read as ${describeType(type)}`,
        ),
      ];
  } else {
    const written = expected[0]!;
    const accepted = present.has(written) || (written === 'integer' && present.has('number'));
    if (!accepted)
      return [problem(place, type, `Apex writes ${written}, the schema allows only ${list(present)}`)];
  }
  switch (type.kind) {
    case 'scalar':
      return [];
    case 'list':
      return compareWithSchema(type.of, arrayItems(schema, ctx.document)!, child(place, '[]', '[]'), ctx);
    case 'map': {
      const problems =
        type.key.kind === 'scalar' && type.key.name === 'String'
          ? []
          : [problem(place, type, 'a JSON object has String keys')];
      const object = objectBranch(schema, ctx.document)!;
      for (const value of valueSchemas(object, ctx.document))
        problems.push(...compareWithSchema(type.value, value, child(place, '{}', ' › (value)'), ctx));
      return problems;
    }
    case 'model':
      return compareModel(type, objectBranch(schema, ctx.document)!, place, ctx);
  }
}

function compareModel(
  type: Extract<ApexType, { kind: 'model' }>,
  object: JsonSchema,
  place: Place,
  ctx: JsonContext,
): string[] {
  const model = ctx.models.get(type.name);
  if (!model) return [problem(place, type, `there is no class ${MODELS_CLASS}.${type.name}`)];
  ctx.onModel?.(model.name, object);
  const properties = propertiesOf(object);
  const known = Object.keys(properties);
  const problems: string[] = [];
  for (const property of model.properties) {
    const where = child(place, `.${property.name}`, ` › ${property.name}`);
    const schema = properties[property.name];
    if (schema === undefined) {
      problems.push(
        problem(
          where,
          property.type,
          `no property "${property.name}" in the schema (it has ${known.join(', ') || 'none'})`,
        ),
      );
      continue;
    }
    problems.push(...compareWithSchema(property.type, schema, where, ctx));
  }
  if (ctx.direction === 'write') {
    const own = new Set(model.properties.map((p) => p.name));
    for (const required of (object.required as string[] | undefined) ?? [])
      if (!own.has(required))
        problems.push(
          problem(
            place,
            type,
            `the schema requires "${required}", which ${MODELS_CLASS}.${model.name} does not have`,
          ),
        );
  }
  return problems;
}
