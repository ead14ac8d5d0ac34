/**
 * The typed result classes of AutoBackupModels.cls read with apex-parser: each inner class with its
 * instance properties (name, type, @AuraEnabled), and Apex type names parsed into a small structure that
 * can be compared with JSON Schema (apex-json.ts).
 */
import {
  ApexParserBaseListener,
  ApexParserFactory,
  ApexParseTreeWalker,
  type ClassBodyDeclarationContext,
  type ClassDeclarationContext,
  type ModifierContext,
} from '@apexdevtools/apex-parser';

export const MODELS_CLASS = 'AutoBackupModels';

export type ScalarName = 'String' | 'Id' | 'Integer' | 'Long' | 'Decimal' | 'Double' | 'Boolean';
export type ApexType =
  | { kind: 'scalar'; name: ScalarName }
  | { kind: 'object' }
  | { kind: 'list'; of: ApexType }
  | { kind: 'map'; key: ApexType; value: ApexType }
  | { kind: 'model'; name: string }
  | { kind: 'other'; name: string };

export interface ModelProperty {
  name: string;
  type: ApexType;
  auraEnabled: boolean;
}
export interface ModelClass {
  name: string;
  properties: ModelProperty[];
}
export type ModelIndex = Map<string, ModelClass>;

const SCALARS: Record<string, ScalarName> = {
  string: 'String',
  id: 'Id',
  integer: 'Integer',
  long: 'Long',
  decimal: 'Decimal',
  double: 'Double',
  boolean: 'Boolean',
};

/**
 * `List<Map<String,Object>>`, `AutoBackupModels.Totals`, `String[]` … as an ApexType. A name is a model
 * when it is `AutoBackupModels.X` or a bare `X` among `modelNames` (inside AutoBackupModels itself).
 */
export function parseApexType(text: string, modelNames: ReadonlySet<string>): ApexType {
  const tokens = text.replace(/\s+/g, '').match(/[A-Za-z_][\w.]*|[<>,]|\[\]/g) ?? [];
  let at = 0;
  const parse = (): ApexType => {
    const name = tokens[at++] ?? '';
    const args: ApexType[] = [];
    if (tokens[at] === '<') {
      do {
        at++;
        args.push(parse());
      } while (tokens[at] === ',');
      at++; // '>'
    }
    let type = classify(name, args, modelNames);
    while (tokens[at] === '[]') {
      at++;
      type = { kind: 'list', of: type };
    }
    return type;
  };
  const type = parse();
  if (at !== tokens.length) return { kind: 'other', name: text };
  return type;
}

function classify(name: string, args: ApexType[], modelNames: ReadonlySet<string>): ApexType {
  const lower = name.toLowerCase();
  if ((lower === 'list' || lower === 'set') && args.length === 1) return { kind: 'list', of: args[0]! };
  if (lower === 'map' && args.length === 2) return { kind: 'map', key: args[0]!, value: args[1]! };
  if (SCALARS[lower]) return { kind: 'scalar', name: SCALARS[lower] };
  if (lower === 'object') return { kind: 'object' };
  const prefix = `${MODELS_CLASS.toLowerCase()}.`;
  if (lower.startsWith(prefix)) return { kind: 'model', name: name.slice(prefix.length) };
  if (modelNames.has(name)) return { kind: 'model', name };
  return { kind: 'other', name };
}

export function describeType(type: ApexType): string {
  switch (type.kind) {
    case 'scalar':
      return type.name;
    case 'object':
      return 'Object';
    case 'list':
      return `List<${describeType(type.of)}>`;
    case 'map':
      return `Map<${describeType(type.key)}, ${describeType(type.value)}>`;
    case 'model':
      return `${MODELS_CLASS}.${type.name}`;
    case 'other':
      return type.name;
  }
}

const hasAnnotation = (modifiers: ModifierContext[], name: string): boolean =>
  modifiers.some((m) => m.annotation()?.id().getText().toLowerCase() === name.toLowerCase());

/** The inner classes of AutoBackupModels with their instance properties, in source order. */
export function readModels(source: string): ModelIndex {
  const parser = ApexParserFactory.createParser(source, true);
  const unit = parser.compilationUnit();
  const raw: { name: string; properties: { name: string; typeText: string; auraEnabled: boolean }[] }[] = [];
  const open: (typeof raw)[number][] = [];
  let depth = 0;
  class Listener extends ApexParserBaseListener {
    enterClassDeclaration(ctx: ClassDeclarationContext): void {
      depth += 1;
      if (depth === 2) {
        const model = { name: ctx.id().getText(), properties: [] };
        raw.push(model);
        open.push(model);
      }
    }
    exitClassDeclaration(): void {
      if (depth === 2) open.pop();
      depth -= 1;
    }
    enterClassBodyDeclaration(ctx: ClassBodyDeclarationContext): void {
      const model = open[open.length - 1];
      const member = ctx.memberDeclaration();
      if (depth !== 2 || !model || !member) return;
      const modifiers = ctx.modifier_list();
      if (modifiers.some((m) => m.STATIC() !== null)) return;
      const field = member.fieldDeclaration();
      const property = member.propertyDeclaration();
      const typeText = (field ?? property)?.typeRef().getText();
      if (typeText === undefined) return;
      const names = field
        ? field
            .variableDeclarators()
            .variableDeclarator_list()
            .map((d) => d.id().getText())
        : [property!.id().getText()];
      for (const name of names)
        model.properties.push({ name, typeText, auraEnabled: hasAnnotation(modifiers, 'AuraEnabled') });
    }
  }
  ApexParseTreeWalker.DEFAULT.walk(new Listener(), unit);
  const names = new Set(raw.map((m) => m.name));
  return new Map(
    raw.map((m) => [
      m.name,
      {
        name: m.name,
        properties: m.properties.map((p) => ({
          name: p.name,
          type: parseApexType(p.typeText, names),
          auraEnabled: p.auraEnabled,
        })),
      },
    ]),
  );
}
