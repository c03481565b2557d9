/**
 * `npm run bench [-- NAME...] [--json FILE]`: runs every benchmark in test/bench (every module exporting
 * `benchmark`, see benchmark.ts) one after the other, or only those named, and prints what each measured.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { basename, join } from 'node:path';
import { Command } from 'commander';
import { runCommand } from '../../bin/cli';
import { type Benchmark, type BenchmarkResult, isBenchmark } from './benchmark';

async function discoverBenchmarks(): Promise<Benchmark[]> {
  const files = (await readdir(__dirname))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && file !== basename(__filename))
    .sort();
  const found: Benchmark[] = [];
  for (const file of files) {
    const module = (await import(join(__dirname, file))) as { benchmark?: unknown };
    if (isBenchmark(module.benchmark)) found.push(module.benchmark);
  }
  return found;
}

const program = new Command('bench')
  .description('Run the benchmarks in test/bench (all of them unless names are given).')
  .argument('[names...]', 'benchmarks to run')
  .option('--json <file>', 'also write every result as JSON to this file')
  .showSuggestionAfterError(false)
  .action(async (names: string[], { json }: { json?: string }) => {
    const all = await discoverBenchmarks();
    const unknown = names.filter((name) => !all.some((benchmark) => benchmark.name === name));
    if (unknown.length > 0)
      program.error(`error: unknown benchmark ${unknown.join(', ')} (known: ${all.map((benchmark) => benchmark.name).join(', ')})`);
    const selected = names.length === 0 ? all : all.filter((benchmark) => names.includes(benchmark.name));

    const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}`;
    console.log(`machine: ${machine}`);
    const results: Record<string, BenchmarkResult> = {};
    for (const benchmark of selected) {
      console.log(`\n== ${benchmark.name}: ${benchmark.description}`);
      const result = await benchmark.run();
      results[benchmark.name] = result;
      const width = Math.max(...Object.keys(result.figures).map((key) => key.length));
      for (const [key, value] of Object.entries(result.figures)) console.log(`  ${key.padEnd(width)}  ${value}`);
    }
    if (json !== undefined) await writeFile(json, `${JSON.stringify({ machine, results }, null, 2)}\n`);
  });

void runCommand(program);
