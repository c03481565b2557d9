/**
 * The product's source folders, read from tsconfig.build.json's `include`: the one list the compiler, the
 * layout rules and the function-length check all go by, so a new top-level folder cannot slip past them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..');

function buildInclude(): string[] {
  const config = JSON.parse(readFileSync(path.join(REPOSITORY_ROOT, 'tsconfig.build.json'), 'utf8')) as { include?: unknown };
  if (!Array.isArray(config.include) || !config.include.every((entry): entry is string => typeof entry === 'string')) {
    throw new Error('tsconfig.build.json has no include list of folder names');
  }
  return config.include;
}

/** Every folder of TypeScript the product is built from (bin, lib, lambdas, ...). */
export const PRODUCT_FOLDERS: readonly string[] = buildInclude();

/** The folders below the handlers: everything but lambdas/ itself and the local runtime, which plays Lambda. */
export const BELOW_HANDLERS: readonly string[] = PRODUCT_FOLDERS.filter((folder) => folder !== 'lambdas' && folder !== 'local');
