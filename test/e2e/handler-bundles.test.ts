/**
 * The end-to-end tests run the handlers as a deploy ships them: the bundles of the dev app that the global
 * setup synthesized (test/e2e/global-setup.ts), not the TypeScript sources.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { HANDLER_NAMES } from '../../domain/envelopes';
import { environments } from '../../lib/config';
import { HANDLER_BUNDLES_VARIABLE, type HandlerBundle, handlerBundlesOf } from '../../local/run/handler-bundles';
import { cleanSampleOptions, expectBalancedLedger, LOCAL_RUN_TIMEOUT_MS, runSample, type SampleRun } from '../support/local-run';

jest.setTimeout(LOCAL_RUN_TIMEOUT_MS);

function assemblyDir(): string {
  const dir = process.env[HANDLER_BUNDLES_VARIABLE];
  if (dir === undefined || dir === '') throw new Error(`${HANDLER_BUNDLES_VARIABLE} is not set: the e2e global setup did not run`);
  return dir;
}

describe('the synthesized cloud assembly the end-to-end tests run', () => {
  it('holds a bundle for every handler of the dev app, found through its template and asset manifest', async () => {
    // Prepare
    const expectedNames = HANDLER_NAMES.map((handler) => `${environments.dev.prefix}-${handler}`).sort();

    // Act
    const bundles = await handlerBundlesOf(assemblyDir());

    // Assess
    expect([...bundles.keys()].sort()).toEqual(expectedNames);
    for (const bundle of bundles.values()) {
      expect(bundle.file.startsWith(`${assemblyDir()}${path.sep}asset.`)).toBe(true);
      expect({ file: bundle.file, exists: existsSync(bundle.file), exportName: bundle.exportName }).toEqual({
        file: bundle.file,
        exists: true,
        exportName: 'handler',
      });
    }
  });
});

describe('npm run local in the end-to-end tests', () => {
  let run: SampleRun;
  let bundles: Map<string, HandlerBundle>;

  beforeAll(async () => {
    bundles = await handlerBundlesOf(assemblyDir());
    run = await runSample(cleanSampleOptions({ trips: 60, days: 1, seed: 'bundles-e2e' }));
  });

  it('invokes the handler bundles of the assembly, not the sources', () => {
    // Prepare
    const loaded = [...run.cli.stderr.matchAll(/^\[local\] handler ([a-z-]+): (\S+) \(bundle of (\S+)\)$/gm)].map((found) => ({
      handler: found[1],
      file: found[2],
      functionName: found[3],
    }));

    // Act
    const expected = ['start', 'end', 'match', 'redrive', 'failed-batches', 'live-metrics'].map((handler) => {
      const functionName = `${environments.dev.prefix}-${handler}`;
      return { handler, file: bundles.get(functionName)?.file, functionName };
    });

    // Assess
    expect(loaded).toEqual(expected);
    for (const handler of ['start', 'end', 'match', 'live-metrics'])
      expect({ handler, invoked: (run.summary.lambda_invocations[handler] ?? 0) > 0 }).toEqual({ handler, invoked: true });
  });

  it('completes every trip of a clean sample with them', () => {
    // Assess
    expect(run.summary.trips_completed).toBe(run.sample.expected.completedTripIds.length);
    expectBalancedLedger(run);
  });
});
