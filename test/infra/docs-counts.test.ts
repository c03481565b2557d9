/**
 * The counts and lists the docs state, checked against the code so they cannot drift silently: how many stacks
 * the app synthesizes, the handler folders, the ADRs, and README's folder table.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { EnvironmentName } from '../../lib/config';
import { synthesizeEnvironment } from './synth';

const root = path.resolve(__dirname, '..', '..');
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');
const folders = (folder: string): string[] =>
  readdirSync(path.join(root, folder)).filter(
    (name) => !name.startsWith('.') && name !== 'node_modules' && statSync(path.join(root, folder, name)).isDirectory(),
  );

/** Top-level folders the repository tracks (not cdk.out, quarantine/ or other output a run leaves behind). */
const trackedTopLevelFolders = (): string[] => [
  ...new Set(
    execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((file) => file.includes('/') && !file.startsWith('.'))
      .map((file) => file.split('/')[0] ?? ''),
  ),
];

/** The rooms docs/architecture.md lists under "Where the code lives": the first cell of each table row. */
function architectureRooms(): string[] {
  const section = read('docs/architecture.md').split('## Where the code lives')[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/^\| `([^`]+\/)` \|/gm)].map((match) => match[1] ?? '');
}

/** Folders with rooms of their own inside them: their tracked subfolders are rooms too. */
const ROOMS_WITH_ROOMS = ['bin', 'lib', 'local'];

function trackedRooms(): string[] {
  const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((file) => file.includes('/') && !file.startsWith('.'));
  const rooms = new Set<string>();
  for (const file of files) {
    const [top, second] = file.split('/');
    rooms.add(`${top}/`);
    if (ROOMS_WITH_ROOMS.includes(top ?? '') && file.split('/').length > 2) rooms.add(`${top}/${second}/`);
  }
  return [...rooms];
}

const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
const docs = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const adrs = readdirSync(path.join(root, 'docs', 'adr')).filter((name) => name.endsWith('.md'));

/** Every "<number> stacks" a document states, with where. */
function statedStackCounts(): { file: string; phrase: string; count: number }[] {
  return [...docs, ...adrs.map((name) => `docs/adr/${name}`)].flatMap((file) =>
    [...read(file).matchAll(/\b(\d+|zero|one|two|three|four|five|six|seven|eight|nine|ten) stacks\b/gi)].map((match) => {
      const number = (match[1] ?? '').toLowerCase();
      return { file, phrase: match[0], count: /^\d+$/.test(number) ? Number(number) : NUMBER_WORDS.indexOf(number) };
    }),
  );
}

/** The rows of README's folder table: the backticked paths of each row's first cell. */
function readmeFolderRows(): { paths: string[]; text: string }[] {
  const section = read('README.md').split('| folder | what lives there |')[1]?.split('\n\n')[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [, first = '', text = ''] = line.split('|');
      return { paths: [...first.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? ''), text };
    });
}

describe.each<EnvironmentName>(['dev', 'prod'])('the docs against the %s app', (environment) => {
  let synthesized: number;
  let stackSuffixes: string[];

  beforeAll(() => {
    const app = synthesizeEnvironment(environment);
    synthesized = app.app.synth().stacks.length;
    stackSuffixes = Object.values(app.stacks).map((stack) => stack.stackName.slice(app.settings.prefix.length + 1));
  });

  it('state the number of stacks the app synthesizes, wherever they state one', () => {
    // Act
    const stated = statedStackCounts();

    // Assess
    expect(stated.filter(({ file }) => file === 'README.md' || file === 'docs/architecture.md').length).toBeGreaterThan(0);
    expect(stated.filter(({ count }) => count !== synthesized)).toEqual([]);
  });

  it("list every stack, and only those, in the architecture's stack table", () => {
    // Prepare
    const table = read('docs/architecture.md').split('## Stacks')[1]?.split('\n## ')[0] ?? '';

    // Act
    const listed = [...table.matchAll(/^\| `<prefix>-([a-z-]+)`/gm)].map((match) => match[1]);

    // Assess
    expect(listed.sort()).toEqual([...stackSuffixes].sort());
  });
});

describe('the docs against the source tree', () => {
  it("name every handler, and only those, in README's lambdas/ row", () => {
    // Prepare
    const handlers = folders('lambdas').filter((name) => existsSync(path.join(root, 'lambdas', name, 'handler.ts')));
    const row = readmeFolderRows().find(({ paths }) => paths.includes('lambdas/'));

    // Act
    const named = [...(row?.text ?? '').matchAll(/`([a-z-]+)`/g)].map((match) => match[1]);

    // Assess
    expect(handlers.length).toBeGreaterThan(0);
    expect(named.sort()).toEqual(handlers.sort());
  });

  it("list every ADR, and only those, in README's design records", () => {
    // Prepare
    const section = read('README.md').split('## Design records')[1] ?? '';

    // Act
    const linked = [...section.matchAll(/\(docs\/adr\/([^)]+\.md)\)/g)].map((match) => match[1]);

    // Assess
    expect(linked.sort()).toEqual([...adrs].sort());
  });

  it('number each ADR as its file is numbered', () => {
    // Act
    const mismatched = adrs.filter((name) => !read(`docs/adr/${name}`).startsWith(`# ADR ${name.slice(0, 4)}:`));

    // Assess
    expect(mismatched).toEqual([]);
  });

  it("describe every top-level folder and every folder of lib/ in README's folder table, and only folders that exist", () => {
    // Prepare
    const described = readmeFolderRows().flatMap(({ paths }) => paths);

    // Act
    const topLevel = new Set(described.map((entry) => entry.split('/')[0]));
    const missingLib = folders('lib').filter((name) => !described.includes(`lib/${name}/`));
    const absent = described.filter((entry) => !existsSync(path.join(root, entry)));

    // Assess
    expect([...topLevel].sort()).toEqual(trackedTopLevelFolders().sort());
    expect(missingLib).toEqual([]);
    expect(absent).toEqual([]);
  });

  it('list every room in docs/architecture.md, one line each, and only rooms that exist', () => {
    // Act
    const listed = architectureRooms();

    // Assess
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(trackedRooms().sort());
  });
});
