/**
 * The parser gives WHERE as a right-leaning chain of conditions with paren counts; this rebuilds
 * a proper boolean tree (NOT binds tightest, then AND, then OR).
 */
import type { ConditionWithValueQuery, WhereClause } from '@jetstreamapp/soql-parser-js';

export type BoolExpr =
  | { kind: 'and' | 'or'; items: BoolExpr[] }
  | { kind: 'not'; item: BoolExpr }
  | { kind: 'leaf'; cond: ConditionWithValueQuery };

/** A boolean tree as one predicate over rows (WHERE) or groups (HAVING), given how to compile a leaf. */
export function compileBoolExpr<T>(
  e: BoolExpr,
  leaf: (cond: ConditionWithValueQuery) => (item: T) => boolean,
): (item: T) => boolean {
  if (e.kind === 'leaf') return leaf(e.cond);
  if (e.kind === 'not') {
    const inner = compileBoolExpr(e.item, leaf);
    return (item) => !inner(item);
  }
  const items = e.items.map((i) => compileBoolExpr(i, leaf));
  return e.kind === 'and' ? (item) => items.every((p) => p(item)) : (item) => items.some((p) => p(item));
}

type Token =
  | { t: '(' }
  | { t: ')' }
  | { t: 'AND' }
  | { t: 'OR' }
  | { t: 'NOT' }
  | { t: 'leaf'; cond: ConditionWithValueQuery };

function isCondition(left: unknown): left is ConditionWithValueQuery {
  return typeof left === 'object' && left !== null && ('field' in left || 'fn' in left);
}

function tokenize(where: WhereClause, out: Token[]): void {
  let node: WhereClause | undefined = where;
  while (node) {
    const left = node.left as unknown as { openParen?: number; closeParen?: number } | null;
    if (left && isCondition(left)) {
      for (let i = 0; i < (left.openParen ?? 0); i++) out.push({ t: '(' });
      out.push({ t: 'leaf', cond: left as ConditionWithValueQuery });
      for (let i = 0; i < (left.closeParen ?? 0); i++) out.push({ t: ')' });
    } else if (left && typeof left.openParen === 'number') {
      for (let i = 0; i < left.openParen; i++) out.push({ t: '(' });
    }
    const op = 'operator' in node ? node.operator : undefined;
    if (!op) return;
    out.push({ t: op });
    node = 'right' in node ? node.right : undefined;
  }
}

export function buildWhereTree(where: WhereClause): BoolExpr {
  const tokens: Token[] = [];
  tokenize(where, tokens);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  function parseOr(): BoolExpr {
    const items = [parseAnd()];
    while (peek()?.t === 'OR') {
      pos++;
      items.push(parseAnd());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  }
  function parseAnd(): BoolExpr {
    const items = [parseUnary()];
    while (peek()?.t === 'AND') {
      pos++;
      items.push(parseUnary());
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  }
  function parseUnary(): BoolExpr {
    const tok = tokens[pos++];
    if (!tok) throw new Error('unexpected end of WHERE clause');
    if (tok.t === 'NOT') return { kind: 'not', item: parseUnary() };
    if (tok.t === '(') {
      const inner = parseOr();
      if (tokens[pos]?.t !== ')') throw new Error('unbalanced parentheses in WHERE clause');
      pos++;
      return inner;
    }
    if (tok.t === 'leaf') return { kind: 'leaf', cond: tok.cond };
    throw new Error(`unexpected token in WHERE clause: ${tok.t}`);
  }
  const tree = parseOr();
  if (pos !== tokens.length) throw new Error('unexpected trailing tokens in WHERE clause');
  return tree;
}
