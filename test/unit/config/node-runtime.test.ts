import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HANDLER_RUNTIME } from '../../../lib/constructs/pipeline-function';

/** `nodejs24.x` -> 24. */
function runtimeMajor(runtimeName: string): number {
  const match = /^nodejs(\d+)\.x$/.exec(runtimeName);
  if (match?.[1] === undefined) throw new Error(`not a Node.js Lambda runtime: ${runtimeName}`);
  return Number(match[1]);
}

describe('the Node.js the project runs on', () => {
  it('pins in .nvmrc (what .ci/run installs) the major of the handlers’ Lambda runtime', () => {
    // Prepare
    const pinned = readFileSync(join(__dirname, '../../../.nvmrc'), 'utf8').trim();

    // Act
    const pinnedMajor = Number(pinned.split('.')[0]);

    // Assess
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pinnedMajor).toBe(runtimeMajor(HANDLER_RUNTIME.name));
  });

  it('has .ci/run insist on the same major before it runs anything', () => {
    // Prepare
    const ciRun = readFileSync(join(__dirname, '../../../.ci/run'), 'utf8');

    // Act
    const declared = /^LAMBDA_NODE_MAJOR=(\d+)$/m.exec(ciRun)?.[1];

    // Assess
    expect(Number(declared)).toBe(runtimeMajor(HANDLER_RUNTIME.name));
  });

  // CI runs every suite on the pinned Node.js; a developer may use any Node.js the engines field allows.
  (process.env.CI === 'true' ? it : it.skip)('runs the tests on the Lambda runtime’s major under CI', () => {
    // Act
    const testMajor = Number(process.versions.node.split('.')[0]);

    // Assess
    expect(testMajor).toBe(runtimeMajor(HANDLER_RUNTIME.name));
  });
});
