/**
 * Reading the package's Apex source offline: where the classes are, syntax errors from
 * @apexdevtools/apex-parser, and the @AuraEnabled methods a class exposes to Lightning components.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ApexErrorListener,
  ApexParserBaseListener,
  ApexParseTreeWalker,
  ApexParserFactory,
  type ClassBodyDeclarationContext,
  type ModifierContext,
} from '@apexdevtools/apex-parser';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const PACKAGE_DIR = path.join(REPO_ROOT, 'force-app');
export const CLASSES_DIR = path.join(PACKAGE_DIR, 'main/default/classes');

/** Absolute paths of every .cls file of the package, sorted. */
export function apexClassFiles(): string[] {
  return readdirSync(CLASSES_DIR)
    .filter((name) => name.endsWith('.cls'))
    .sort()
    .map((name) => path.join(CLASSES_DIR, name));
}

export interface SyntaxError {
  line: number;
  column: number;
  message: string;
}

class CollectingListener extends ApexErrorListener {
  readonly errors: SyntaxError[] = [];
  apexSyntaxError(line: number, column: number, message: string): void {
    this.errors.push({ line, column, message });
  }
}

/** Every lexer and parser error of one class file's source (empty when it parses). */
export function syntaxErrors(source: string): SyntaxError[] {
  const listener = new CollectingListener();
  const { parser } = ApexParserFactory.createLexerAndParser(source, listener);
  parser.compilationUnit();
  return listener.errors;
}

export interface AuraMethod {
  name: string;
  isStatic: boolean;
  cacheable: boolean;
  returnType: string;
  params: { type: string; name: string }[];
  /** The method body's tokens joined without whitespace, e.g. `{try{…}catch(Exceptionfailure){…}}`. */
  body: string;
}

function annotationOf(modifiers: ModifierContext[], name: string): string | undefined {
  for (const modifier of modifiers) {
    const annotation = modifier.annotation();
    if (annotation && annotation.id().getText().toLowerCase() === name.toLowerCase()) {
      return annotation.getText();
    }
  }
  return undefined;
}

/** The @AuraEnabled methods declared directly in the top-level class of the source. */
export function auraEnabledMethods(source: string): AuraMethod[] {
  const parser = ApexParserFactory.createParser(source, true);
  const unit = parser.compilationUnit();
  const methods: AuraMethod[] = [];
  let depth = 0;
  class Listener extends ApexParserBaseListener {
    enterClassDeclaration(): void {
      depth += 1;
    }
    exitClassDeclaration(): void {
      depth -= 1;
    }
    enterClassBodyDeclaration(ctx: ClassBodyDeclarationContext): void {
      const method = ctx.memberDeclaration()?.methodDeclaration();
      if (depth !== 1 || !method) return;
      const modifiers = ctx.modifier_list();
      const aura = annotationOf(modifiers, 'AuraEnabled');
      if (aura === undefined) return;
      const list = method.formalParameters().formalParameterList();
      methods.push({
        name: method.id().getText(),
        isStatic: modifiers.some((m) => m.STATIC() !== null),
        cacheable: /cacheable\s*=\s*true/i.test(aura),
        returnType: method.VOID() ? 'void' : method.typeRef().getText(),
        params: (list ? list.formalParameter_list() : []).map((p) => ({
          type: p.typeRef().getText(),
          name: p.id().getText(),
        })),
        body: method.block()?.getText() ?? '',
      });
    }
  }
  ApexParseTreeWalker.DEFAULT.walk(new Listener(), unit);
  return methods;
}
