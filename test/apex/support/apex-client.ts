/**
 * The requests AutoBackupClient.cls sends, read from its source with apex-parser, so the contract test
 * lists nothing by hand: for every `send('<METHOD>', <path>, <body>[, <headers>])` call, the HTTP method,
 * the path as a template (`/api/v1/orgs/{}/records/{}/{}/versions`: literal parts kept, every computed
 * part `{}`, followed through locals, string constants and one-line helpers such as orgPath), the query
 * parameters added with QueryString, the headers, the body, and the model classes the answer is read into
 * (`AutoBackupModels.X.class`, or the AutoBackupModels.X the method returns). It also names the method that
 * reads error answers: the one `send` throws the result of.
 */
import {
  ApexParserFactory,
  Arth2ExpressionContext,
  DotExpressionContext,
  type ExpressionContext,
  IdPrimaryContext,
  LiteralPrimaryContext,
  LocalVariableDeclarationContext,
  MapCreatorRestPairContext,
  MethodCallContext,
  MethodCallExpressionContext,
  type MethodDeclarationContext,
  PrimaryExpressionContext,
  ReturnStatementContext,
  SubExpressionContext,
  ThrowStatementContext,
  TypeRefPrimaryContext,
} from '@apexdevtools/apex-parser';
import { type ApexType, parseApexType } from './apex-models.js';

export const CLIENT_CLASS = 'AutoBackupClient';
/** The client's one request method, and the helper class whose `add('name', …)` calls are query parameters. */
const SEND = 'send';
const QUERY_STRING = 'QueryString';

/** A parse-tree node, as much of antlr's ParseTree as this module needs. */
export interface Node {
  children?: Node[] | null;
  getText(): string;
}

export type RequestBody =
  | { kind: 'none' }
  | { kind: 'json'; text: string }
  | { kind: 'value'; type: ApexType; text: string }
  | { kind: 'unknown'; text: string };

export interface RouteCall {
  /** The client method, e.g. `getRecordVersions(4)` (name and parameter count: methods are overloaded). */
  method: string;
  declaration: MethodDeclarationContext;
  /** The `send(…)` call itself. */
  call: MethodCallContext;
  http: string;
  path: string;
  query: string[];
  headers: string[];
  body: RequestBody;
  /** Model classes the answer is deserialized into (`AutoBackupModels.X.class`). */
  parsedInto: string[];
  /** The model class the method returns, if it returns one. */
  returns: string | undefined;
}

export interface ClientClass {
  methods: Map<string, MethodDeclarationContext[]>;
  routeCalls: RouteCall[];
  /** The method `send` hands a failed response to, and the name of its HttpResponse parameter. */
  errorReader: { declaration: MethodDeclarationContext; parameter: string } | undefined;
  /** What could not be read (e.g. a send call whose HTTP method is not a literal). */
  problems: string[];
}

export function descendants<T>(node: Node, type: abstract new (...args: never[]) => T): T[] {
  const found: T[] = [];
  const visit = (n: Node): void => {
    if (n instanceof type) found.push(n);
    for (const c of n.children ?? []) visit(c);
  };
  visit(node);
  return found;
}

/** The value of an Apex string literal ('it\'s' → it's); undefined when the node is not one. */
export function stringLiteral(node: Node | null | undefined): string | undefined {
  if (!(node instanceof PrimaryExpressionContext)) return undefined;
  const primary = node.primary();
  if (!(primary instanceof LiteralPrimaryContext)) return undefined;
  const literal = primary.literal().StringLiteral();
  if (!literal) return undefined;
  return literal
    .getText()
    .slice(1, -1)
    .replace(/\\(.)/g, (_m, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);
}

/** The identifier an expression is, if it is a plain name. */
export function identifier(node: Node | null | undefined): string | undefined {
  if (!(node instanceof PrimaryExpressionContext)) return undefined;
  const primary = node.primary();
  return primary instanceof IdPrimaryContext ? primary.id().getText() : undefined;
}

export function parameterNames(method: MethodDeclarationContext): { name: string; type: string }[] {
  const list = method.formalParameters().formalParameterList();
  return (list?.formalParameter_list() ?? []).map((p) => ({
    name: p.id().getText(),
    type: p.typeRef().getText(),
  }));
}

export const argumentsOf = (call: { expressionList(): { expression_list(): ExpressionContext[] } | null }) =>
  call.expressionList()?.expression_list() ?? [];

/** Local variables of a method with their declared type and initializer. */
function localsOf(
  method: MethodDeclarationContext,
): Map<string, { type: string; init: ExpressionContext | null }> {
  const locals = new Map<string, { type: string; init: ExpressionContext | null }>();
  for (const declaration of descendants(method, LocalVariableDeclarationContext))
    for (const d of declaration.variableDeclarators().variableDeclarator_list())
      locals.set(d.id().getText(), { type: declaration.typeRef().getText(), init: d.expression() ?? null });
  return locals;
}

interface PathScope {
  method: MethodDeclarationContext;
  bound: Map<string, string>;
}

class ClientReader {
  readonly methods = new Map<string, MethodDeclarationContext[]>();
  readonly constants = new Map<string, string>();
  readonly problems: string[] = [];
  readonly modelNames: ReadonlySet<string>;

  constructor(source: string, modelNames: ReadonlySet<string>) {
    this.modelNames = modelNames;
    const unit = ApexParserFactory.createParser(source, true).compilationUnit();
    const body = unit.typeDeclaration().classDeclaration().classBody();
    for (const declaration of body.classBodyDeclaration_list()) {
      const member = declaration.memberDeclaration();
      const method = member?.methodDeclaration();
      if (method) {
        const name = method.id().getText();
        this.methods.set(name, [...(this.methods.get(name) ?? []), method]);
      }
      for (const d of member?.fieldDeclaration()?.variableDeclarators().variableDeclarator_list() ?? []) {
        const value = stringLiteral(d.expression());
        if (value !== undefined) this.constants.set(d.id().getText(), value);
      }
    }
  }

  /** The class's own method a call names, chosen by name and argument count. */
  callee(name: string, argumentCount: number): MethodDeclarationContext | undefined {
    return this.methods.get(name)?.find((m) => parameterNames(m).length === argumentCount);
  }

  /** The text an expression builds, with `{}` for each part computed at run time. */
  template(expression: Node | null, scope: PathScope): string {
    const locals = localsOf(scope.method);
    const of = (e: Node | null): string => {
      const literal = stringLiteral(e);
      if (literal !== undefined) return literal;
      const name = identifier(e);
      if (name !== undefined) {
        if (scope.bound.has(name)) return scope.bound.get(name)!;
        const local = locals.get(name);
        if (local?.type === QUERY_STRING) return '';
        if (local?.init) return of(local.init);
        return this.constants.get(name) ?? '{}';
      }
      if (e instanceof Arth2ExpressionContext && e.ADD()) return e.expression_list().map(of).join('');
      if (e instanceof SubExpressionContext) return of(e.expression());
      if (
        e instanceof DotExpressionContext &&
        locals.get(identifier(e.expression()) ?? '')?.type === QUERY_STRING
      )
        return '';
      if (e instanceof MethodCallExpressionContext) {
        const call = e.methodCall();
        const args = argumentsOf(call);
        const helper = this.callee(call.id().getText(), args.length);
        const returns = helper ? descendants(helper, ReturnStatementContext) : [];
        if (helper && returns.length === 1) {
          const bound = new Map(parameterNames(helper).map((p, i) => [p.name, of(args[i] ?? null)]));
          return this.template(returns[0]!.expression(), { method: helper, bound });
        }
      }
      return '{}';
    };
    return of(expression).replace(/(\{\})+/g, '{}');
  }

  /** Query parameter names of the method's QueryString locals: `new QueryString().add('status', …)`. */
  queryNames(method: MethodDeclarationContext): string[] {
    const names: string[] = [];
    for (const local of localsOf(method).values()) {
      if (local.type !== QUERY_STRING || !local.init) continue;
      for (const dot of descendants(local.init, DotExpressionContext)) {
        const call = dot.dotMethodCall();
        const name = call?.anyId().getText() === 'add' ? stringLiteral(argumentsOf(call)[0]) : undefined;
        if (name !== undefined) names.push(name);
      }
    }
    return names;
  }

  /** Header names in a headers argument: keys of map literals in it or in the helpers it calls. */
  headerNames(expression: Node | undefined, seen = new Set<Node>()): string[] {
    if (!expression || seen.has(expression)) return [];
    seen.add(expression);
    const names = descendants(expression, MapCreatorRestPairContext)
      .map((pair) => stringLiteral(pair.expression(0)))
      .filter((n): n is string => n !== undefined);
    for (const call of descendants(expression, MethodCallContext)) {
      const helper = this.callee(call.id().getText(), argumentsOf(call).length);
      if (helper) names.push(...this.headerNames(helper, seen));
    }
    return names;
  }

  body(expression: ExpressionContext | undefined, method: MethodDeclarationContext): RequestBody {
    if (!expression || expression.getText() === 'null') return { kind: 'none' };
    const literal = stringLiteral(expression);
    if (literal !== undefined) return { kind: 'json', text: literal };
    const text = expression.getText();
    // JSON.serialize(<parameter or local>, …): the declared type of what is sent
    const serialized = expression instanceof DotExpressionContext ? expression : undefined;
    const call = serialized?.dotMethodCall();
    if (
      serialized &&
      call &&
      identifier(serialized.expression()) === 'JSON' &&
      call.anyId().getText() === 'serialize'
    ) {
      const name = identifier(argumentsOf(call)[0]);
      const declared =
        parameterNames(method).find((p) => p.name === name)?.type ?? localsOf(method).get(name ?? '')?.type;
      if (declared) return { kind: 'value', type: parseApexType(declared, this.modelNames), text };
    }
    return { kind: 'unknown', text };
  }

  routeCalls(): RouteCall[] {
    const calls: RouteCall[] = [];
    for (const [name, overloads] of this.methods) {
      if (name === SEND) continue;
      for (const declaration of overloads) {
        const label = `${name}(${parameterNames(declaration).length})`;
        const returned = declaration.VOID()
          ? undefined
          : parseApexType(declaration.typeRef().getText(), this.modelNames);
        const parsedInto = descendants(declaration, TypeRefPrimaryContext)
          .map((t) => parseApexType(t.typeRef().getText(), this.modelNames))
          .flatMap((t) => (t.kind === 'model' ? [t.name] : []));
        for (const call of descendants(declaration, MethodCallContext)) {
          if (call.id().getText() !== SEND) continue;
          const [method, path, body, headers] = argumentsOf(call);
          const http = stringLiteral(method);
          if (http === undefined) {
            this.problems.push(
              `${CLIENT_CLASS}.${label}: the HTTP method of ${call.getText()} is not a string literal`,
            );
            continue;
          }
          calls.push({
            method: label,
            declaration,
            call,
            http: http.toUpperCase(),
            path: this.template(path ?? null, { method: declaration, bound: new Map() }),
            query: this.queryNames(declaration),
            headers: this.headerNames(headers),
            body: this.body(body, declaration),
            parsedInto,
            returns: returned?.kind === 'model' ? returned.name : undefined,
          });
        }
      }
    }
    return calls;
  }

  /** `throw toException(response);` in send: that method reads error answers from its response parameter. */
  errorReader(): ClientClass['errorReader'] {
    for (const send of this.methods.get(SEND) ?? []) {
      const responses = new Set(
        [...localsOf(send)].filter(([, local]) => local.type === 'HttpResponse').map(([name]) => name),
      );
      for (const thrown of descendants(send, ThrowStatementContext)) {
        const expression = thrown.expression();
        if (!(expression instanceof MethodCallExpressionContext)) continue;
        const args = argumentsOf(expression.methodCall());
        const declaration = this.callee(expression.methodCall().id().getText(), args.length);
        const index = args.findIndex((a) => responses.has(identifier(a) ?? ''));
        const parameter = declaration ? parameterNames(declaration)[index]?.name : undefined;
        if (declaration && parameter) return { declaration, parameter };
      }
    }
    return undefined;
  }
}

export function readClient(source: string, modelNames: ReadonlySet<string>): ClientClass {
  const reader = new ClientReader(source, modelNames);
  const routeCalls = reader.routeCalls();
  const errorReader = reader.errorReader();
  if (!errorReader)
    reader.problems.push(
      `${CLIENT_CLASS}.${SEND}: found no "throw <method>(<HttpResponse>)" that reads error answers`,
    );
  return { methods: reader.methods, routeCalls, errorReader, problems: reader.problems };
}
