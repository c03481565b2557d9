/**
 * No source function longer than a reader can hold: every function, method, constructor and arrow function in
 * the product's folders (TypeScript parsed by the compiler, Python by `ast`) spans at most 120 lines.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { PRODUCT_FOLDERS } from '../../support/source-folders';

const root = path.resolve(__dirname, '..', '..', '..');
const sourceFolders = [...PRODUCT_FOLDERS, 'spark'];
const maximumLines = 120;

interface LongFunction {
  where: string;
  lines: number;
}

function filesUnder(folder: string, extension: string): string[] {
  const directory = path.join(root, folder);
  if (!existsSync(directory)) return [];
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(extension) && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .filter((file) => !file.split(path.sep).includes('node_modules'));
}

function nameOf(node: ts.Node): string {
  if (ts.isConstructorDeclaration(node))
    return `${ts.isClassLike(node.parent) ? (node.parent.name?.text ?? 'class') : 'class'} constructor`;
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isFunctionExpression(node)) && node.name)
    return node.name.getText();
  if (ts.isVariableDeclaration(node.parent) || ts.isPropertyAssignment(node.parent) || ts.isPropertyDeclaration(node.parent))
    return node.parent.name.getText();
  return '(anonymous)';
}

function longTypeScriptFunctions(file: string): LongFunction[] {
  const source = ts.createSourceFile(file, readFileSync(path.join(root, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const found: LongFunction[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      if (lines > maximumLines) found.push({ where: `${file}:${first + 1} ${nameOf(node)}`, lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const pythonLister = `
import ast, json, sys
found = []
for file in sys.argv[1:]:
    with open(file) as handle:
        tree = ast.parse(handle.read(), file)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            lines = node.end_lineno - first + 1
            if lines > ${maximumLines}:
                found.append({"where": f"{file}:{first} {getattr(node, 'name', 'lambda')}", "lines": lines})
print(json.dumps(found))
`;

function longPythonFunctions(files: string[]): LongFunction[] {
  if (files.length === 0) return [];
  const output = execFileSync('python3', ['-c', pythonLister, ...files], { cwd: root, encoding: 'utf8' });
  return JSON.parse(output) as LongFunction[];
}

describe('function length', () => {
  it(`keeps every source function at most ${maximumLines} lines`, () => {
    // Prepare
    const typeScriptFiles = sourceFolders.flatMap((folder) => filesUnder(folder, '.ts'));
    const pythonFiles = sourceFolders.flatMap((folder) => filesUnder(folder, '.py'));

    // Act
    const tooLong = [...typeScriptFiles.flatMap(longTypeScriptFunctions), ...longPythonFunctions(pythonFiles)];

    // Assess
    expect(typeScriptFiles.length).toBeGreaterThan(50);
    expect(pythonFiles.length).toBeGreaterThan(0);
    expect(tooLong).toEqual([]);
  });
});
