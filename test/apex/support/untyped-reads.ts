/**
 * The keys AutoBackupClient reads from `JSON.deserializeUntyped` maps, checked against the schema of the
 * answer they come from. A small abstract interpreter over one method at a time: `send(…)` stands for the
 * answer of its route, `.getBody()` for its body, `JSON.deserializeUntyped(body)` for the JSON, and from
 * there values follow locals, assignments, casts, loops (`for (Object item : list)` → one element) and
 * the class's own helpers (parseObject, listOrEmpty, errorOf: evaluated with their arguments bound). Each
 * `m.get('key')` (or `m.get(key)` over a `new List<String>{…}` of keys) must name a property of the object
 * it reads, and each cast, `== true` and typed local must fit the schema there.
 */
import {
  AssignExpressionContext,
  CastExpressionContext,
  CondExpressionContext,
  DotExpressionContext,
  EnhancedForControlContext,
  EqualityExpressionContext,
  ExpressionContext,
  LocalVariableDeclarationContext,
  type MethodCallContext,
  MethodCallExpressionContext,
  type MethodDeclarationContext,
  NewExpressionContext,
  PrimaryExpressionContext,
  ReturnStatementContext,
  SubExpressionContext,
} from '@apexdevtools/apex-parser';
import { compareWithSchema } from './apex-json.js';
import {
  argumentsOf,
  CLIENT_CLASS,
  type ClientClass,
  identifier,
  type Node,
  parameterNames,
  stringLiteral,
} from './apex-client.js';
import { type ModelIndex, parseApexType } from './apex-models.js';
import { arrayItems, type JsonSchema, objectBranch, propertiesOf } from './json-schema.js';

/** What an HTTP answer is, for the interpreter: its JSON schema (undefined when not JSON) and a label. */
export interface Answer {
  schema: JsonSchema | undefined;
  label: string;
}

type Value =
  | ({ kind: 'response' | 'body' } & Answer)
  | { kind: 'json'; schema: JsonSchema; label: string }
  | { kind: 'keys'; keys: string[] };

interface Scope {
  vars: Map<string, Value | undefined>;
  returns: (Value | undefined)[];
}

export interface UntypedReads {
  problems: string[];
  /** Per object schema (identity), the keys some method read from it. */
  keysRead: Map<JsonSchema, Set<string>>;
}

export interface Entry {
  declaration: MethodDeclarationContext;
  /** Values of its parameters, e.g. the error answer for the error reader's response parameter. */
  bound: Map<string, Value>;
}

export function answerValue(answer: Answer): Value {
  return { kind: 'response', ...answer };
}

class Interpreter {
  readonly result: UntypedReads = { problems: [], keysRead: new Map() };
  private entry = '';
  private readonly active = new Set<MethodDeclarationContext>();

  constructor(
    private readonly client: ClientClass,
    /** The answer each send(…) call gets. */
    private readonly answers: Map<MethodCallContext, Answer>,
    private readonly document: JsonSchema,
    private readonly models: ModelIndex,
  ) {}

  run(entry: Entry): void {
    this.entry = `${CLIENT_CLASS}.${entry.declaration.id().getText()}(${parameterNames(entry.declaration).length})`;
    this.invoke(entry.declaration, entry.bound);
  }

  private problem(text: string): void {
    this.result.problems.push(`${this.entry} ${text}`);
  }

  private invoke(method: MethodDeclarationContext, bound: Map<string, Value | undefined>): Value | undefined {
    if (this.active.has(method)) return undefined;
    this.active.add(method);
    const scope: Scope = { vars: new Map(bound), returns: [] };
    const block = method.block();
    if (block) this.walk(block, scope);
    this.active.delete(method);
    return scope.returns.find((v) => v !== undefined);
  }

  private walk(node: Node, scope: Scope): void {
    if (node instanceof ExpressionContext) {
      this.evaluate(node, scope);
    } else if (node instanceof LocalVariableDeclarationContext) {
      const type = node.typeRef().getText();
      for (const d of node.variableDeclarators().variableDeclarator_list()) {
        const init = d.expression();
        const value = init ? this.evaluate(init, scope) : undefined;
        this.expectType(type, value);
        scope.vars.set(d.id().getText(), value);
      }
    } else if (node instanceof EnhancedForControlContext) {
      const element = this.element(this.evaluate(node.expression(), scope));
      this.expectType(node.typeRef().getText(), element);
      scope.vars.set(node.id().getText(), element);
    } else if (node instanceof ReturnStatementContext) {
      const expression = node.expression();
      scope.returns.push(expression ? this.evaluate(expression, scope) : undefined);
    } else {
      for (const c of node.children ?? []) this.walk(c, scope);
    }
  }

  /** Evaluates the expressions inside a node whose own meaning does not matter here. */
  private evaluateInside(node: Node, scope: Scope): void {
    for (const c of node.children ?? []) {
      if (c instanceof ExpressionContext) this.evaluate(c, scope);
      else this.evaluateInside(c, scope);
    }
  }

  private evaluate(e: ExpressionContext, scope: Scope): Value | undefined {
    if (e instanceof PrimaryExpressionContext) {
      const name = identifier(e);
      return name === undefined ? undefined : scope.vars.get(name);
    }
    if (e instanceof SubExpressionContext) return this.evaluate(e.expression(), scope);
    if (e instanceof CastExpressionContext) {
      const value = this.evaluate(e.expression(), scope);
      this.expectType(e.typeRef().getText(), value);
      return value;
    }
    if (e instanceof AssignExpressionContext) {
      const [target, source] = e.expression_list();
      const value = source ? this.evaluate(source, scope) : undefined;
      const name = identifier(target);
      if (name !== undefined) scope.vars.set(name, value);
      else if (target) this.evaluate(target, scope);
      return value;
    }
    if (e instanceof CondExpressionContext) {
      const [, whenTrue, whenFalse] = e.expression_list().map((x) => this.evaluate(x, scope));
      return whenTrue ?? whenFalse;
    }
    if (e instanceof EqualityExpressionContext) {
      const [left, right] = e.expression_list();
      const values = e.expression_list().map((x) => this.evaluate(x, scope));
      // `m.get('deleted') == true` reads a Boolean
      if (/^(true|false)$/i.test(right?.getText() ?? '')) this.expectType('Boolean', values[0]);
      if (/^(true|false)$/i.test(left?.getText() ?? '')) this.expectType('Boolean', values[1]);
      return undefined;
    }
    if (e instanceof NewExpressionContext) {
      this.evaluateInside(e, scope);
      const keys = e.creator().setCreatorRest()?.expression_list().map(stringLiteral) ?? [];
      return keys.length > 0 && keys.every((k) => k !== undefined)
        ? { kind: 'keys', keys: keys as string[] }
        : undefined;
    }
    if (e instanceof MethodCallExpressionContext) return this.call(e.methodCall(), scope);
    if (e instanceof DotExpressionContext) return this.dot(e, scope);
    this.evaluateInside(e, scope);
    return undefined;
  }

  private call(call: MethodCallContext, scope: Scope): Value | undefined {
    const args = argumentsOf(call).map((a) => this.evaluate(a, scope));
    const answer = this.answers.get(call);
    if (answer) return answerValue(answer);
    const helper = this.client.methods
      .get(call.id().getText())
      ?.find((m) => parameterNames(m).length === args.length);
    if (!helper) return undefined;
    return this.invoke(helper, new Map(parameterNames(helper).map((p, i) => [p.name, args[i]])));
  }

  private dot(e: DotExpressionContext, scope: Scope): Value | undefined {
    const target = this.evaluate(e.expression(), scope);
    const method = e.dotMethodCall();
    if (!method) return undefined;
    const argumentNodes = argumentsOf(method);
    const args = argumentNodes.map((a) => this.evaluate(a, scope));
    const name = method.anyId().getText();
    if (target?.kind === 'json' && name === 'get' && args.length === 1) {
      const key = stringLiteral(argumentNodes[0]);
      const keys = key !== undefined ? [key] : args[0]?.kind === 'keys' ? args[0].keys : [];
      const read = this.read(target, keys);
      return key !== undefined ? read : undefined;
    }
    if (target?.kind === 'response' && name === 'getBody') return { ...target, kind: 'body' };
    if (identifier(e.expression()) === 'JSON' && name === 'deserializeUntyped') {
      const body = args[0];
      if (body?.kind !== 'body') return undefined;
      if (!body.schema) {
        this.problem(`parses ${body.label} as JSON, but that answer is not JSON`);
        return undefined;
      }
      return { kind: 'json', schema: body.schema, label: body.label };
    }
    return undefined;
  }

  private read(from: Extract<Value, { kind: 'json' }>, keys: string[]): Value | undefined {
    const object = objectBranch(from.schema, this.document);
    if (!object) {
      this.problem(
        `reads ${keys.map((k) => `"${k}"`).join(', ')} from ${from.label}, which is not a JSON object`,
      );
      return undefined;
    }
    const properties = propertiesOf(object);
    const seen = this.result.keysRead.get(object) ?? new Set<string>();
    this.result.keysRead.set(object, seen);
    let value: Value | undefined;
    for (const key of keys) {
      const schema = properties[key];
      if (schema === undefined) {
        this.problem(
          `reads "${key}" from ${from.label}, which has no property "${key}" (it has ${Object.keys(properties).join(', ')})`,
        );
        continue;
      }
      seen.add(key);
      value = { kind: 'json', schema, label: `${from.label} › ${key}` };
    }
    return value;
  }

  /** One element of what a for loop iterates over. */
  private element(value: Value | undefined): Value | undefined {
    if (value?.kind === 'keys') return value;
    if (value?.kind !== 'json') return undefined;
    const items = arrayItems(value.schema, this.document);
    if (!items) {
      this.problem(`loops over ${value.label}, which is not an array`);
      return undefined;
    }
    return { kind: 'json', schema: items, label: `${value.label}[]` };
  }

  private expectType(typeText: string, value: Value | undefined): void {
    if (value?.kind !== 'json') return;
    const type = parseApexType(typeText, new Set(this.models.keys()));
    this.result.problems.push(
      ...compareWithSchema(
        type,
        value.schema,
        { apex: this.entry, schema: value.label },
        {
          document: this.document,
          models: this.models,
          direction: 'read',
        },
      ),
    );
  }
}

/** Runs every entry (route methods, the error reader) and collects the problems and the keys read. */
export function checkUntypedReads(
  client: ClientClass,
  entries: Entry[],
  answers: Map<MethodCallContext, Answer>,
  document: JsonSchema,
  models: ModelIndex,
): UntypedReads {
  const interpreter = new Interpreter(client, answers, document, models);
  for (const entry of entries) interpreter.run(entry);
  return interpreter.result;
}
