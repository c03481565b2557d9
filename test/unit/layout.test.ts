/**
 * The project's layers, as docs/architecture.md describes them: the handlers sit on top. Nothing below them
 * (the library, the producer, the tools, the entry points) imports lambdas/; the local runtime plays Lambda,
 * so it loads the handler modules themselves (lambdas/<name>/handler) and listens on the handlers' one
 * observation port (observeOutcomes, lambdas/common/observability.ts), and nothing else of lambdas/. The
 * trip rules and the KPI engines know no construct or stack, and constructs know no stack. And a thrown value
 * becomes text in one place only (domain/error-text.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { BELOW_HANDLERS, PRODUCT_FOLDERS } from '../support/source-folders';

const root = path.resolve(__dirname, '..', '..');

interface Import {
  readonly file: string;
  readonly target: string;
}

function sourceFiles(folder: string): string[] {
  const directory = path.join(root, folder);
  return readdirSync(directory).flatMap((name) => {
    const relative = `${folder}/${name}`;
    if (statSync(path.join(root, relative)).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(relative);
    return /\.(ts|mts|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [relative] : [];
  });
}

function importsUnder(folder: string): Import[] {
  return sourceFiles(folder).flatMap((file) => {
    const text = readFileSync(path.join(root, file), 'utf8');
    return [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((match) => ({
      file,
      target: path.relative(root, path.resolve(root, path.dirname(file), match[1] ?? '')),
    }));
  });
}

const isUnder = (folder: string) => (target: string) => target === folder || target.startsWith(`${folder}/`);

describe('project layout', () => {
  it.each([...BELOW_HANDLERS])('keeps %s/ below the handlers: no import from lambdas/', (folder) => {
    // Act
    const imports = importsUnder(folder);

    // Assess
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter(({ target }) => isUnder('lambdas')(target))).toEqual([]);
  });

  it('lets the local runtime load the handler modules, as Lambda does, and observe them, and nothing else of lambdas/', () => {
    // Prepare
    const allowed = (target: string) =>
      /^lambdas\/[a-z-]+\/handler$/.test(target) || target.replace(/\.js$/, '') === 'lambdas/common/observability';

    // Act
    const imports = importsUnder('local').filter(({ target }) => isUnder('lambdas')(target));

    // Assess
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter(({ target }) => !allowed(target))).toEqual([]);
  });

  it.each([
    ['domain', ['lib/constructs', 'lib/stacks']],
    ['kpi', ['lib/constructs', 'lib/stacks']],
    ['planning', ['lib/constructs', 'lib/stacks']],
    ['ops', ['lib/constructs', 'lib/stacks']],
    ['aws', ['lib/constructs', 'lib/stacks']],
    ['lib/constructs', ['lib/stacks']],
  ])('keeps %s/ free of %j', (folder, forbidden) => {
    // Act
    const imports = importsUnder(folder);

    // Assess
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter(({ target }) => forbidden.some((other) => isUnder(other)(target)))).toEqual([]);
  });

  it('fails on an import from lambdas/ (the rule can fail)', () => {
    // Prepare: the matcher the rules above use, on a line of the kind this test exists to catch.
    const line = "import { RetryQueue } from '../lambdas/common/adapters/queues';";
    const target = path.relative(root, path.resolve(root, 'ops', /'([^']+)'/.exec(line)?.[1] ?? ''));

    // Assess
    expect(isUnder('lambdas')(target)).toBe(true);
  });
});

describe('error text', () => {
  // `error instanceof Error ? error.message : String(error)` and its variants (with the name, first line only).
  const idiom = /instanceof Error\s*\?[^;]*?\.message/;

  it('turns a thrown value into text only in domain/error-text.ts', () => {
    // Prepare
    const folders = [...PRODUCT_FOLDERS, 'test'];

    // Act
    const sites = folders
      .flatMap(sourceFiles)
      .filter((file) => file !== 'domain/error-text.ts' && file !== 'test/unit/layout.test.ts')
      .filter((file) => idiom.test(readFileSync(path.join(root, file), 'utf8')));

    // Assess
    expect(sites).toEqual([]);
  });

  it('recognizes the idiom it keeps out', () => {
    // Assess
    expect(idiom.test('detail: error instanceof Error ? error.message : String(error)')).toBe(true);
    expect(idiom.test('error instanceof Error ? `${error.name}: ${error.message}` : String(error)')).toBe(true);
    expect(idiom.test("error instanceof Error && error.name === 'ConditionalCheckFailedException'")).toBe(false);
  });
});
