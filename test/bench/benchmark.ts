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
