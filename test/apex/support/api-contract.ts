/**
 * One contract, three readers: the service's OpenAPI document, the package's Apex, and the Lightning
 * component fixtures. checkApiContract compares them and returns one line per disagreement (none when
 * they agree); it takes the sources as text and the document as an object so a test can hand it
 * deliberately broken copies.
 *
 * - Routes: every `send(…)` of AutoBackupClient must be an operation of the document, with query
 *   parameters and headers the operation declares and the body its requestBody takes (a model sent with
 *   JSON.serialize is compared property by property: the "write" direction).
 * - Typed reads: the model class an answer is read into (AutoBackupModels.X.class, or the X the client
 *   method returns) is compared with the answer schema, nested classes included ("read" direction).
 * - Untyped reads: the keys read from deserializeUntyped maps (untyped-reads.ts), error answers included.
 * - Package-only shapes (`x-package-only` components) are compared with the model class of the same name.
 * - Every model class must be reached by one of these, so none goes unchecked.
 * - Fixtures: see fixture-schema.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { MethodCallContext } from '@apexdevtools/apex-parser';
import { API_VERSION, apiRoutes } from '../../../service/src/http/app.js';
import { buildOpenApiDocument } from '../../../service/src/http/openapi.js';
import { type Answer, answerValue, checkUntypedReads, type Entry } from './untyped-reads.js';
import { CLIENT_CLASS, readClient, type RouteCall } from './apex-client.js';
import { compareWithSchema, type JsonContext } from './apex-json.js';
import { MODELS_CLASS, type ModelIndex, parseApexType, readModels } from './apex-models.js';
import { auraEnabledMethods, CLASSES_DIR, PACKAGE_DIR } from './apex-source.js';
import { describeErrors, fixtureValidator, restrictToApex } from './fixture-schema.js';
import type { JsonSchema } from './json-schema.js';

export const LWC_DIR = path.join(PACKAGE_DIR, 'main/default/lwc');

export interface Fixture {
  /** Relative to the lwc folder, e.g. `backupSettings/__tests__/data/getSettings.json`. */
  file: string;
  data: unknown;
}

export interface ContractSources {
  document: JsonSchema;
  /** AutoBackupModels.cls */
  models: string;
  /** AutoBackupClient.cls */
  client: string;
  /** Every class with @AuraEnabled methods, by class name. */
  controllers: Record<string, string>;
  fixtures: Fixture[];
}

/** The sources as they are in the repository, and the document the service serves. */
export function loadContractSources(): ContractSources {
  const read = (name: string) => readFileSync(path.join(CLASSES_DIR, `${name}.cls`), 'utf8');
  const controllers: Record<string, string> = {};
  for (const file of readdirSync(CLASSES_DIR).filter((f) => f.endsWith('.cls'))) {
    const source = readFileSync(path.join(CLASSES_DIR, file), 'utf8');
    if (auraEnabledMethods(source).length > 0) controllers[path.basename(file, '.cls')] = source;
  }
  const fixtures: Fixture[] = [];
  for (const bundle of readdirSync(LWC_DIR).sort()) {
    const dir = path.join(LWC_DIR, bundle, '__tests__', 'data');
    let files: string[] = [];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    } catch {
      continue; // no fixtures in this bundle
    }
    for (const f of files.sort())
      fixtures.push({
        file: path.relative(LWC_DIR, path.join(dir, f)),
        data: JSON.parse(readFileSync(path.join(dir, f), 'utf8')),
      });
  }
  return {
    document: buildOpenApiDocument(apiRoutes(), API_VERSION),
    models: read(MODELS_CLASS),
    client: read(CLIENT_CLASS),
    controllers,
    fixtures,
  };
}

interface Operation {
  path: string;
  parameters?: { name: string; in: string }[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
}

/** The document's operation for a method and a path template (`{}` for each computed part). */
function findOperation(document: JsonSchema, http: string, template: string): Operation | undefined {
  const paths = (document.paths ?? {}) as Record<string, Record<string, Operation>>;
  for (const [documented, operations] of Object.entries(paths)) {
    const operation = operations[http.toLowerCase()];
    if (operation && documented.replace(/\{[^}]+\}/g, '{}') === template)
      return { ...operation, path: documented };
  }
  return undefined;
}

const jsonSchemaOf = (part: { content?: Record<string, { schema?: JsonSchema }> } | undefined) =>
  part?.content?.['application/json']?.schema;

/** Where a model class's values come from: the answers (or package-only shapes) it was compared with. */
interface ModelSource {
  schema: JsonSchema;
  label: string;
}

export function checkApiContract(sources: ContractSources): string[] {
  const problems: string[] = [];
  const { document } = sources;
  const models = readModels(sources.models);
  const client = readClient(sources.client, new Set(models.keys()));
  problems.push(...client.problems);

  const reached = new Set<string>();
  const modelSources = new Map<string, ModelSource[]>();
  const context = (direction: JsonContext['direction']): JsonContext => ({
    document,
    models,
    direction,
    onModel: (name) => reached.add(name),
  });
  const compareModel = (
    name: string,
    schema: JsonSchema,
    label: string,
    direction: JsonContext['direction'],
  ) => {
    problems.push(
      ...compareWithSchema(
        { kind: 'model', name },
        schema,
        { apex: `${MODELS_CLASS}.${name}`, schema: label },
        context(direction),
      ),
    );
    modelSources.set(name, [...(modelSources.get(name) ?? []), { schema, label }]);
  };

  const answers = new Map<MethodCallContext, Answer>();
  const entries: Entry[] = [];
  for (const call of client.routeCalls) {
    const where = `${CLIENT_CLASS}.${call.method}`;
    const operation = findOperation(document, call.http, call.path);
    if (!operation) {
      problems.push(`${where} calls ${call.http} ${call.path}, which the API document does not have`);
      continue;
    }
    const route = `${call.http} ${operation.path}`;
    problems.push(...checkRequest(call, operation, route, context('write')));
    const answer = jsonSchemaOf(operation.responses?.['200']);
    answers.set(call.call, { schema: answer, label: `${route} answer` });
    if (!entries.some((e) => e.declaration === call.declaration))
      entries.push({ declaration: call.declaration, bound: new Map() });
    const readInto = call.parsedInto.length > 0 ? call.parsedInto : call.returns ? [call.returns] : [];
    for (const name of readInto) {
      if (!answer)
        problems.push(`${where} reads ${MODELS_CLASS}.${name} from ${route}, which answers no JSON`);
      else compareModel(name, answer, `${route} answer`, 'read');
    }
  }

  const components =
    (document.components as { schemas?: Record<string, JsonSchema> } | undefined)?.schemas ?? {};
  if (client.errorReader) {
    const label = 'error answer (components.schemas.Error)';
    entries.push({
      declaration: client.errorReader.declaration,
      bound: new Map([[client.errorReader.parameter, answerValue({ schema: components.Error, label })]]),
    });
  }
  const untyped = checkUntypedReads(client, entries, answers, document, models);
  problems.push(...untyped.problems);

  for (const [name, schema] of Object.entries(components)) {
    if (schema['x-package-only'] !== true) continue;
    if (!models.has(name))
      problems.push(`components.schemas.${name} is package-only, but ${MODELS_CLASS} has no class ${name}`);
    else compareModel(name, schema, `components.schemas.${name} (package-only)`, 'write');
  }

  for (const name of models.keys())
    if (!reached.has(name))
      problems.push(
        `${MODELS_CLASS}.${name} is compared with no schema: no client method reads it and no package-only schema is named ${name}`,
      );

  problems.push(...checkFixtures(sources, models, modelSources, untyped.keysRead));
  return [...new Set(problems)]; // a key read twice (e.g. tested, then cast) is one problem
}

function checkRequest(call: RouteCall, operation: Operation, route: string, write: JsonContext): string[] {
  const problems: string[] = [];
  const where = `${CLIENT_CLASS}.${call.method} (${route})`;
  const declared = (kind: string) =>
    (operation.parameters ?? []).filter((p) => p.in === kind).map((p) => p.name.toLowerCase());
  for (const name of call.query)
    if (!declared('query').includes(name.toLowerCase()))
      problems.push(
        `${where} sends query parameter "${name}", which the route does not take (it takes ${declared('query').join(', ') || 'none'})`,
      );
  for (const name of call.headers)
    if (!declared('header').includes(name.toLowerCase()))
      problems.push(
        `${where} sends header "${name}", which the route does not declare (it declares ${declared('header').join(', ') || 'none'})`,
      );

  const requestSchema = jsonSchemaOf(operation.requestBody);
  const body = call.body;
  if (body.kind === 'none') {
    if (operation.requestBody?.required) problems.push(`${where} sends no body, but the route requires one`);
    return problems;
  }
  if (!requestSchema)
    return [...problems, `${where} sends a body (${body.text}), but the route takes no JSON body`];
  if (body.kind === 'json') {
    const validate = fixtureValidator().compile(requestSchema);
    if (!validate(JSON.parse(body.text)))
      problems.push(...describeErrors(validate.errors).map((e) => `${where} sends ${body.text}: ${e}`));
  } else if (body.kind === 'value') {
    problems.push(
      ...compareWithSchema(
        body.type,
        requestSchema,
        { apex: `${where} body`, schema: `${route} request body` },
        write,
      ),
    );
  } else {
    problems.push(`${where} sends ${body.text}: cannot tell which JSON that is`);
  }
  return problems;
}

function checkFixtures(
  sources: ContractSources,
  models: ModelIndex,
  modelSources: Map<string, ModelSource[]>,
  keysRead: Map<JsonSchema, Set<string>>,
): string[] {
  const problems: string[] = [];
  const methods = Object.entries(sources.controllers).flatMap(([className, source]) =>
    auraEnabledMethods(source).map((m) => ({ className, ...m })),
  );
  const ajv = fixtureValidator();
  for (const fixture of sources.fixtures) {
    const name = path.basename(fixture.file, '.json');
    const matches = methods.filter((m) => m.name === name);
    if (matches.length !== 1) {
      problems.push(
        `${fixture.file}: fixtures are named after the Apex method they stand for, and ${matches.length === 0 ? 'no' : matches.length} @AuraEnabled method${matches.length === 1 ? ' is' : 's are'} named ${name}`,
      );
      continue;
    }
    const method = matches[0]!;
    const returned = parseApexType(method.returnType, new Set(models.keys()));
    const from = `${method.className}.${name} → ${method.returnType}`;
    if (returned.kind !== 'model') {
      problems.push(
        `${fixture.file} (${from}): the method returns no ${MODELS_CLASS} class, so there is no schema to check it against`,
      );
      continue;
    }
    const schemas = modelSources.get(returned.name) ?? [];
    if (schemas.length === 0)
      problems.push(`${fixture.file} (${from}): no schema is known for ${MODELS_CLASS}.${returned.name}`);
    for (const source of schemas) {
      const schema = restrictToApex(returned, source.schema, {
        document: sources.document,
        models,
        keysRead,
      });
      const validate = ajv.compile(schema);
      if (!validate(fixture.data))
        problems.push(
          ...describeErrors(validate.errors).map(
            (e) => `${fixture.file} (${from}, as in ${source.label}): ${e}`,
          ),
        );
    }
  }
  return problems;
}
