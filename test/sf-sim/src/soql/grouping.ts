/**
 * Helpers for the SELECT functions that need no compiler state: the grouping sets of
 * `GROUP BY ROLLUP(…)` / `CUBE(…)` (SOQL and SOSL Reference, "GROUP BY ROLLUP", "GROUP BY CUBE")
 * and the labels `toLabel()` shows ("toLabel()").
 */
import type { FieldDef } from '../org/schema/model.js';

/**
 * Which of `n` group keys each grouping set keeps (the others are rolled up into a subtotal): a
 * plain GROUP BY keeps all; ROLLUP drops keys from the right down to the grand total; CUBE has
 * every combination.
 */
export function groupingSets(kind: 'ROLLUP' | 'CUBE' | null, n: number): boolean[][] {
  const keys = Array.from({ length: n }, (_, i) => i);
  if (kind === 'ROLLUP') return Array.from({ length: n + 1 }, (_, k) => keys.map((i) => i < n - k));
  if (kind === 'CUBE')
    return Array.from({ length: 2 ** n }, (_, bits) => keys.map((i) => (bits & (1 << (n - 1 - i))) === 0));
  return [keys.map(() => true)];
}

/** toLabel(): a picklist's (or multi-select picklist's) labels instead of its API values. */
export function labelOf(f: FieldDef | null): (v: unknown) => unknown {
  const values = (f?.describe.picklistValues as { value: string; label?: string | null }[] | undefined) ?? [];
  const labels = new Map(values.map((p) => [p.value, p.label ?? p.value]));
  if (labels.size === 0) return (v) => v;
  const one = (v: string): string => labels.get(v) ?? v;
  return f?.type === 'multipicklist'
    ? (v) => (typeof v === 'string' ? v.split(';').map(one).join(';') : v)
    : (v) => (typeof v === 'string' ? one(v) : v);
}
