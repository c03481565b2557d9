import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { HANDLER_NAMES, type HandlerName } from '../../domain/envelopes';
import { SPARK_JOB_FILES } from '../../lib/config';
import { BUNDLE_BUDGET_EXCEPTIONS, BUNDLING_CONTEXT, bundleBudget, MAX_BUNDLE_BYTES } from '../../lib/constructs/pipeline-function';
import { resourcesOf, type SynthesizedApp, synthesizeEnvironment } from './synth';

// The one suite that really bundles: esbuild on this machine, no Docker, as `cdk synth` does.
const outdirs: string[] = [];

function synthesizeBundled(context: Record<string, unknown> = {}): { synthesized: SynthesizedApp; outdir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tripstream-cdk-'));
  outdirs.push(outdir);
  const synthesized = synthesizeEnvironment('dev', { bundle: true, outdir, context });
  synthesized.app.synth();
  return { synthesized, outdir };
}

let defaults: { synthesized: SynthesizedApp; outdir: string };

beforeAll(() => {
  defaults = synthesizeBundled();
});

afterAll(() => {
  for (const outdir of outdirs) fs.rmSync(outdir, { recursive: true, force: true });
});

/** A middleware name of @aws-sdk/lib-dynamodb's document client, which minifying keeps. */
const LIB_DYNAMODB_MARKER = 'DocumentMarshall';
/** The handlers that write DynamoDB items through the document client. */
const DOCUMENT_CLIENT_HANDLERS = ['end', 'live-metrics', 'metrics-api', 'redrive', 'start'];
const NODE_BUILTINS = new Set(builtinModules);

function handlerOf(bundle: { readonly name: string }): HandlerName {
  const handler = HANDLER_NAMES.find((name) => bundle.name === `${defaults.synthesized.settings.prefix}-${name}`);
  if (handler === undefined) throw new Error(`${bundle.name} is not one of the pipeline's handlers`);
  return handler;
}

function assetDirectory(outdir: string, s3Key: unknown): string {
  const hash = String(s3Key).replace(/\.zip$/, '');
  return path.join(outdir, `asset.${hash}`);
}

interface Bundle {
  readonly name: string;
  readonly files: string[];
  readonly bytes: number;
  readonly code: string;
  readonly environment: Record<string, unknown>;
}

function handlerBundles({ synthesized, outdir }: { synthesized: SynthesizedApp; outdir: string }): Bundle[] {
  const functions = [
    ...Object.values(resourcesOf(synthesized.templates.pipeline, 'AWS::Lambda::Function')),
    ...Object.values(resourcesOf(synthesized.templates.liveMetrics, 'AWS::Lambda::Function')),
    ...Object.values(resourcesOf(synthesized.templates.analytics, 'AWS::Lambda::Function')),
  ].filter((fn) => fn.Properties.Runtime === 'nodejs24.x');
  return functions.map((fn) => {
    const directory = assetDirectory(outdir, (fn.Properties.Code as { S3Key: unknown }).S3Key);
    const file = path.join(directory, 'index.js');
    return {
      name: String(fn.Properties.FunctionName),
      files: fs.readdirSync(directory).sort(),
      bytes: fs.statSync(file).size,
      code: fs.readFileSync(file, 'utf8'),
      environment: (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
    };
  });
}

describe('asset bundling', () => {
  it('bundles every handler into one file under its size budget, 400 KB unless an exception says why, without a source map', () => {
    // Prepare
    const bundles = handlerBundles(defaults);

    // Act
    const sizes = bundles.map((bundle) => ({ handler: handlerOf(bundle), bytes: bundle.bytes }));

    // Assess
    expect(bundles).toHaveLength(8);
    for (const bundle of bundles) {
      expect(bundle.files).toEqual(['index.js']);
      expect(bundle.environment).not.toHaveProperty('NODE_OPTIONS');
    }
    expect(MAX_BUNDLE_BYTES).toBe(400_000);
    for (const { handler, bytes } of sizes) {
      expect({ handler, bytes, underBudget: bytes < bundleBudget(handler) }).toEqual({ handler, bytes, underBudget: true });
    }
  });

  it('grants a budget over 400 KB only to a bundle that needs it, no more than the next thousand bytes above its size', () => {
    // Prepare
    const bundles = handlerBundles(defaults);

    // Act
    const excepted = bundles
      .map((bundle) => ({ handler: handlerOf(bundle), bytes: bundle.bytes }))
      .filter(({ handler }) => BUNDLE_BUDGET_EXCEPTIONS[handler] !== undefined)
      .map(({ handler, bytes }) => ({
        handler,
        overDefault: bytes >= MAX_BUNDLE_BYTES,
        budget: bundleBudget(handler),
        tightest: Math.ceil(bytes / 1_000) * 1_000,
      }));

    // Assess
    expect(excepted.map(({ handler }) => handler).sort()).toEqual(Object.keys(BUNDLE_BUDGET_EXCEPTIONS).sort());
    for (const { handler, overDefault, budget, tightest } of excepted)
      expect({ handler, overDefault, budget }).toEqual({ handler, overDefault: true, budget: tightest });
  });

  it('carries the pinned AWS SDK, lib-dynamodb included, and requires no package from the runtime', () => {
    // Prepare
    const bundles = handlerBundles(defaults);

    // Act
    // Not the SDK's error messages that quote `[require("@aws-sdk/signature-v4a");]` (for SigV4a, which we never use).
    const required = bundles.map((bundle) =>
      [...bundle.code.matchAll(/(?<![[\w.])require\(["']([^"'.][^"']*)["']\)/g)].map((found) => found[1] ?? ''),
    );
    const withDocumentClient = bundles
      .filter((bundle) => bundle.code.includes(LIB_DYNAMODB_MARKER))
      .map((bundle) => bundle.name.slice(`${defaults.synthesized.settings.prefix}-`.length));

    // Assess
    for (const modules of required)
      expect(modules.filter((module) => !module.startsWith('node:') && !NODE_BUILTINS.has(module))).toEqual([]);
    expect(withDocumentClient.sort()).toEqual(DOCUMENT_CLIENT_HANDLERS);
  });

  it('bundles zod/mini, not classic zod, and the environment credentials, not the default chain', () => {
    // Prepare
    const bundles = handlerBundles(defaults);

    // Act / Assess
    for (const bundle of bundles) {
      // Classic zod's method chain (ZodString.prototype.email and friends) is what zod/mini leaves out.
      expect(bundle.code).not.toMatch(/\.emoji\(|ZodEffects|superRefine\(/);
      // The default chain's links each log their name; the environment's provider does not.
      expect(bundle.code).not.toContain('defaultProvider::fromSSO');
      expect(bundle.code).toContain('AWS_SESSION_TOKEN');
    }
  });

  it('bundles only the clients a handler uses: the match handler has no DynamoDB client', () => {
    // Prepare
    const match = handlerBundles(defaults).find((bundle) => bundle.name.endsWith('-match'));

    // Act
    const clients = [...(match?.code ?? '').matchAll(/serviceId\?\?"([A-Za-z0-9 ]+)"/g)].map((found) => found[1]);

    // Assess
    expect([...new Set(clients)].sort()).toEqual(['S3', 'SQS']);
  });

  it('bundles no S3 client into the trip handlers, which keep no dead-letter payloads (ADR 0005)', () => {
    // Prepare
    const tripHandlers = handlerBundles(defaults).filter((bundle) => ['start', 'end', 'redrive'].includes(handlerOf(bundle)));

    // Act
    const clients = tripHandlers.map((bundle) => ({
      handler: handlerOf(bundle),
      clients: [...new Set([...bundle.code.matchAll(/serviceId\?\?"([A-Za-z0-9 ]+)"/g)].map((found) => found[1]))].sort(),
    }));

    // Assess
    expect(clients.sort((a, b) => a.handler.localeCompare(b.handler))).toEqual([
      { handler: 'end', clients: ['DynamoDB', 'SQS'] },
      { handler: 'redrive', clients: ['DynamoDB', 'SQS'] },
      { handler: 'start', clients: ['DynamoDB', 'SQS'] },
    ]);
  });

  it('ships source maps, loaded by Node, only when asked to (context tripstream:sourceMaps)', () => {
    // Prepare
    const withMaps = synthesizeBundled({ [BUNDLING_CONTEXT.sourceMaps]: 'true' });

    // Act
    const bundles = handlerBundles(withMaps);

    // Assess
    for (const bundle of bundles) {
      expect(bundle.files).toEqual(['index.js', 'index.js.map']);
      expect(bundle.environment).toHaveProperty('NODE_OPTIONS', '--enable-source-maps');
    }
  });

  it('refuses a bundling flag that is neither true nor false', () => {
    // Prepare
    const synthesize = () => synthesizeEnvironment('dev', { context: { [BUNDLING_CONTEXT.sourceMaps]: 'yes' } });

    // Act / Assess
    expect(synthesize).toThrow(`Context ${BUNDLING_CONTEXT.sourceMaps} must be true or false, got "yes"`);
  });

  it('ships only the Spark entry point, its generated schema module and the two KPI SQL files, not the tests', () => {
    // Prepare
    const deployment = Object.values(resourcesOf(defaults.synthesized.templates.analytics, 'Custom::CDKBucketDeployment'))[0];
    const [sourceKey] = (deployment?.Properties.SourceObjectKeys ?? []) as unknown[];

    // Act
    const files = fs.readdirSync(assetDirectory(defaults.outdir, sourceKey)).sort();

    // Assess
    expect(files).toEqual(
      [
        SPARK_JOB_FILES.groupsSql,
        SPARK_JOB_FILES.sql,
        SPARK_JOB_FILES.dimensionSql,
        SPARK_JOB_FILES.entryPoint,
        SPARK_JOB_FILES.schemaModule,
      ].sort(),
    );
  });
});
