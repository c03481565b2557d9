/**
 * Test support: builds the tripstream app for one environment the way `cdk synth` does (the context of
 * cdk.json, the same stacks), and exposes each stack's template. Bundling is skipped unless asked for:
 * templates are identical either way apart from asset hashes, and esbuild on 2 cores is the slow part.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type EnvironmentName, environments, type PipelineSettings } from '../../lib/config';
import { addTripstreamStacks, type TripstreamStacks } from '../../lib/stacks/tripstream-app';

const cdkJson = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

export interface SynthesizedApp {
  readonly app: App;
  readonly settings: PipelineSettings;
  readonly stacks: TripstreamStacks;
  readonly templates: { readonly [K in keyof TripstreamStacks]: Template };
}

export interface SynthOptions {
  /** Run esbuild for the functions (slow); off, the function assets are placeholders. */
  readonly bundle?: boolean;
  readonly outdir?: string;
  /** Deploy-time context: the alert e-mail address. */
  readonly alertEmail?: string;
  /** More CDK context, as `cdk synth -c key=value` gives it. */
  readonly context?: Record<string, unknown>;
}

export function synthesizeSettings(settings: PipelineSettings, options: SynthOptions = {}): SynthesizedApp {
  const context: Record<string, unknown> = { ...cdkJson.context, ...options.context };
  if (options.bundle !== true) context['aws:cdk:bundling-stacks'] = [];
  const app = new App({ context, outdir: options.outdir });
  const stacks = addTripstreamStacks(app, settings, undefined, options.alertEmail === undefined ? {} : { alertEmail: options.alertEmail });
  return {
    app,
    settings,
    stacks,
    templates: {
      data: Template.fromStack(stacks.data),
      liveMetrics: Template.fromStack(stacks.liveMetrics),
      pipeline: Template.fromStack(stacks.pipeline),
      analytics: Template.fromStack(stacks.analytics),
      monitoring: Template.fromStack(stacks.monitoring),
    },
  };
}

export function synthesizeEnvironment(name: EnvironmentName, options: SynthOptions = {}): SynthesizedApp {
  return synthesizeSettings(environments[name], options);
}

/** Both environments, synthesized once in the suite's beforeAll; read them inside tests only. */
export function synthesizeEnvironmentsBeforeAll(): Record<EnvironmentName, SynthesizedApp> {
  const synthesized = {} as Record<EnvironmentName, SynthesizedApp>;
  beforeAll(() => {
    synthesized.dev = synthesizeEnvironment('dev');
    synthesized.prod = synthesizeEnvironment('prod');
  });
  return synthesized;
}

/** Resources of one type in a template, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, { Properties: Record<string, unknown> }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, unknown> }>;
}

export interface PolicyStatement {
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

/** The statements of the IAM policy whose logical id starts with the prefix, e.g. `SparkJobRoleDefaultPolicy`. */
export function policyStatements(template: Template, logicalIdPrefix: string): PolicyStatement[] {
  const policy = Object.entries(resourcesOf(template, 'AWS::IAM::Policy')).find(([id]) => id.startsWith(logicalIdPrefix));
  if (policy === undefined) throw new Error(`no policy ${logicalIdPrefix}`);
  return (policy[1].Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement;
}
