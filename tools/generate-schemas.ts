/**
 * Writes the files generated from the trip record (kpi/completed-trips-view.ts), or with `--check`
 * only says which are stale and exits 1. `npm run generate:schemas [-- --check]`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generatedSchemaFiles } from '../kpi/completed-trips-view';

const repositoryRoot = path.resolve(__dirname, '..');
const check = process.argv.includes('--check');
const unknown = process.argv.slice(2).filter((argument) => argument !== '--check');
if (unknown.length > 0) {
  process.stderr.write(`generate-schemas: unknown argument(s) ${unknown.join(' ')}; usage: generate-schemas [--check]\n`);
  process.exit(2);
}

function current(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

const stale: string[] = [];
for (const generated of generatedSchemaFiles()) {
  const file = path.join(repositoryRoot, generated.path);
  if (current(file) === generated.content) continue;
  stale.push(generated.path);
  if (!check) writeFileSync(file, generated.content);
}
if (check && stale.length > 0) {
  process.stderr.write(`Stale generated files (run npm run generate:schemas): ${stale.join(', ')}\n`);
  process.exit(1);
}
process.stdout.write(stale.length === 0 ? 'Generated files are up to date.\n' : `Wrote ${stale.join(', ')}\n`);
