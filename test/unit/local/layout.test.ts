/**
 * The local runtime's rooms, as docs/architecture.md describes them: the mapping simulator knows no trips
 * (nothing from the domain, the handlers or the run), and no part of the run reads the oracles under tools/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');

function importsOf(folder: string): { file: string; target: string }[] {
  const directory = path.join(root, folder);
  return readdirSync(directory)
    .filter((name) => name.endsWith('.ts'))
    .flatMap((name) => {
      const text = readFileSync(path.join(directory, name), 'utf8');
      return [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((match) => ({
        file: `${folder}/${name}`,
        target: path.relative(root, path.resolve(directory, match[1] ?? '')),
      }));
    });
}

describe('local runtime layout', () => {
  it('keeps the mapping simulator free of trip knowledge', () => {
    // Prepare: besides itself, only the mapping settings as AWS names them (StreamMappingSettings, QueueMappingSettings)
    // and the project's error-to-text helper.
    const allowed = (target: string) =>
      target.startsWith('local/event-source-mapping/') || target === 'lib/config' || target === 'domain/error-text';

    // Act
    const imports = importsOf('local/event-source-mapping');

    // Assess
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter(({ target }) => !allowed(target))).toEqual([]);
  });

  it("computes a run's results without the oracles and generators under tools/", () => {
    // Prepare
    const folders = ['local/run', 'local/event-source-mapping'];

    // Act
    const imports = folders.flatMap(importsOf);

    // Assess
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter(({ target }) => target.startsWith('tools/') || target === 'tools')).toEqual([]);
  });
});
