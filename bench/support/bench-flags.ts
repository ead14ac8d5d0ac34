/**
 * Benchmark options, read the way scripts/bench.ts reads them: `--flag value` (when the value starts with a digit),
 * `--flag=value`, or a bare `--flag`; each may also come from an environment variable.
 */
export interface BenchFlags {
  /** The flag's value, else the environment variable's, else undefined. */
  pick(name: string, env: string): string | undefined;
  has(name: string): boolean;
}

export function readBenchFlags(argv: string[] = process.argv.slice(2)): BenchFlags {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (/^\d/.test(argv[i + 1] ?? '')) flags.set(arg.slice(2), argv[++i]!);
    else flags.set(arg.slice(2), 'true');
  }
  return {
    pick: (name, env) => flags.get(name) ?? process.env[env],
    has: (name) => flags.has(name),
  };
}

/** A whole number written as 20, 5000, 50k or 1.5m (underscores and commas ignored), at least `min`. */
export function benchCount(text: string, what: string, min = 1): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim().replace(/[_,]/g, ''));
  if (!m) throw new Error(`${what}: expected a number such as 20, 5000, 50k or 10m, got "${text}"`);
  const n = Number(m[1]) * ({ k: 1e3, m: 1e6 }[m[2]!.toLowerCase()] ?? 1);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`${what}: expected a whole number ≥ ${min}, got "${text}"`);
  return n;
}
