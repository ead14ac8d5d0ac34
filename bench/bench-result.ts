/** One measured figure of a benchmark module (`bench/*.bench.ts` exports `run(): Promise<BenchResult[]>`). */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The target, in words, e.g. "≥ 100,000 versions/s". */
  goal?: string;
  /** Whether the goal was met, when there is one. */
  met?: boolean;
}
