/**
 * The contract between `npm run bench` (run.ts) and the benchmarks in this folder: a benchmark is any module
 * here that exports `benchmark`. Figures are what it measured, printed as a table and returned as JSON.
 */
export interface BenchmarkResult {
  figures: Record<string, number | string>;
}

export interface Benchmark {
  name: string;
  description: string;
  run(): Promise<BenchmarkResult>;
}

export function isBenchmark(value: unknown): value is Benchmark {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Benchmark>;
  return typeof candidate.name === 'string' && typeof candidate.description === 'string' && typeof candidate.run === 'function';
}

/** The middle value (the mean of the two middle ones for an even count): what a bench reports of repeated runs. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}
