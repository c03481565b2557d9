import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HandlerName } from '../../domain/envelopes';
import type { PipelineSettings } from '../config';
import { removalPolicy } from './removal';

/** The newest Node.js runtime this aws-cdk-lib offers, pinned so an upgrade is a visible diff. */
/** The Lambda runtime of every handler; the tests and the local run use its Node.js major (test/unit/config/node-runtime.test.ts). */
export const HANDLER_RUNTIME = lambda.Runtime.NODEJS_24_X;
const HANDLER_ARCHITECTURE = lambda.Architecture.ARM_64;

const repositoryRoot = path.resolve(__dirname, '..', '..');

/**
 * The bundles carry the pinned AWS SDK (ADR 0006), with one module swapped: the SDK's default credential chain
 * gives way to its first link, the environment variables in which Lambda hands a function its role's credentials.
 */
const BUNDLED_MODULE_ALIASES: Record<string, string> = {
  '@aws-sdk/credential-provider-node': path.join(repositoryRoot, 'lambdas', 'common', 'clients', 'lambda-credentials.ts'),
};

function handlerEntry(handler: HandlerName): string {
  return path.join(repositoryRoot, 'lambdas', handler, 'handler.ts');
}

/** CloudWatch Logs accepts only certain retention periods; a typo in the settings fails synth, not deploy. */
export function logRetention(days: number): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays).filter((value): value is number => typeof value === 'number');
  if (!allowed.includes(days)) {
    throw new Error(`logRetentionDays ${days} is not a CloudWatch Logs retention period (${allowed.join(', ')})`);
  }
  return days as logs.RetentionDays;
}

export interface PipelineFunctionProps {
  readonly handler: HandlerName;
  readonly description: string;
  readonly settings: PipelineSettings;
  /** Built by handlerEnvironment()/kpiTriggerEnvironment(), the single source of variable names. */
  readonly environment: Record<string, string>;
}

/**
 * CDK context keys of the bundling choices (docs/adr/0006-lean-handler-bundles.md), e.g.
 * `cdk synth -c tripstream:sourceMaps=true`:
 * - `tripstream:sourceMaps`: ship a source map with each bundle and load it (`--enable-source-maps`), so
 *   stack traces point at the TypeScript. Off by default: the map is larger than the bundle and loading it
 *   costs every cold start.
 */
export const BUNDLING_CONTEXT = { sourceMaps: 'tripstream:sourceMaps' } as const;

/**
 * Every handler bundle stays below this size (test/infra/bundling.test.ts): what a cold start loads, the
 * pinned AWS SDK included (ADR 0006).
 */
export const MAX_BUNDLE_BYTES = 400_000;

/**
 * The handlers whose SDK clients alone leave no room under MAX_BUNDLE_BYTES for Powertools, zod/mini and their
 * own code: match writes S3 and SQS, failed-batches reads Kinesis and writes S3 and SQS, and the S3 client is
 * the largest of all (ADR 0006 has the measurements). Each budget is its bundle's size rounded up to the next
 * thousand bytes, so growth fails the test, and the test asks for a lower budget when a bundle shrinks.
 */
export const BUNDLE_BUDGET_EXCEPTIONS: Partial<Record<HandlerName, number>> = {
  match: 434_000,
  'failed-batches': 467_000,
};

export function bundleBudget(handler: HandlerName): number {
  return BUNDLE_BUDGET_EXCEPTIONS[handler] ?? MAX_BUNDLE_BYTES;
}

function contextFlag(scope: Construct, key: string): boolean {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined) return false;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`Context ${key} must be true or false, got ${JSON.stringify(value)}`);
}

/**
 * One of the pipeline's Lambda handlers: arm64 on the newest Node.js runtime, bundled locally by esbuild
 * (never Docker), minified, with the pinned AWS SDK v3 inside, and logging to its own log group with a retention.
 * Its role starts empty (no AWSLambdaBasicExecutionRole with logs on `*`): it may write to its own log
 * group, and stacks add every other permission as a grant.
 */
export class PipelineFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    const { settings } = props;
    const functionName = `${settings.prefix}-${props.handler}`;
    const sourceMaps = contextFlag(this, BUNDLING_CONTEXT.sourceMaps);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: logRetention(settings.handlers.logRetentionDays),
      removalPolicy: removalPolicy(settings.retainData),
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${functionName}`,
    });
    this.logGroup.grantWrite(this.role);
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      functionName,
      description: props.description,
      role: this.role,
      entry: handlerEntry(props.handler),
      handler: 'handler',
      runtime: HANDLER_RUNTIME,
      architecture: HANDLER_ARCHITECTURE,
      memorySize: settings.handlers.memorySizeMb,
      // No reserved concurrency: it would take from the account's pool, which new accounts keep at 10 or 50
      // with 100 always unreserved. Each function is bounded by its trigger instead (docs/deployment.md).
      timeout: Duration.seconds(settings.handlers.timeoutSeconds),
      // With source maps, stack traces in the logs point at the TypeScript sources, not the minified bundle.
      environment: sourceMaps ? { ...props.environment, NODE_OPTIONS: '--enable-source-maps' } : props.environment,
      logGroup: this.logGroup,
      projectRoot: repositoryRoot,
      depsLockFilePath: path.join(repositoryRoot, 'package-lock.json'),
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.CJS,
        target: 'node24',
        minify: true,
        sourceMap: sourceMaps,
        sourcesContent: false,
        // The ES module builds, so esbuild drops what a handler does not use (CommonJS builds cannot be shaken).
        mainFields: ['module', 'main'],
        // The SDK versions package-lock.json pins, not the runtime's copy: that one's contents (lib-dynamodb?) and
        // version are not documented, and AWS updates it without a deploy (ADR 0006).
        bundleAwsSDK: true,
        esbuildArgs: { '--alias': Object.entries(BUNDLED_MODULE_ALIASES).map(([module, replacement]) => `${module}=${replacement}`) },
      },
    });
  }
}
