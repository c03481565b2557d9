/**
 * Check 2: the CDK bootstrap of the environment's qualifier is in this account and region, at a version the
 * app's synthesizer accepts. `cdk deploy` reads the same SSM parameter and refuses an older version.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { App, CfnWaitConditionHandle, DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import { AssetManifestArtifact, CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import type { PipelineSettings } from '../../lib/config';
import { type CheckResult, couldNotCheck, errorLine, errorName, type PreflightTarget } from './check';

export function bootstrapCheck(qualifier: string): { readonly id: string; readonly title: string } {
  return { id: 'cdk-bootstrap', title: `CDK bootstrap (qualifier ${qualifier})` };
}

/** The SSM parameter `cdk bootstrap` writes its template version to, as the synthesizer names it. */
function bootstrapVersionParameter(qualifier: string): string {
  return DefaultStackSynthesizer.DEFAULT_BOOTSTRAP_STACK_VERSION_SSM_PARAMETER.replace('${Qualifier}', qualifier);
}

/** `CDKToolkit` for CDK's default qualifier; a stack of its own per other qualifier, so bootstraps sit side by side. */
function toolkitStackName(qualifier: string): string {
  return qualifier === DefaultStackSynthesizer.DEFAULT_QUALIFIER ? 'CDKToolkit' : `CDKToolkit-${qualifier}`;
}

/** The `cdk bootstrap` command that creates or upgrades the environment's bootstrap in this account and region. */
function bootstrapCommand(qualifier: string, target: PreflightTarget): string {
  const toolkit = qualifier === DefaultStackSynthesizer.DEFAULT_QUALIFIER ? '' : ` --toolkit-stack-name ${toolkitStackName(qualifier)}`;
  return `npx cdk bootstrap aws://${target.account}/${target.region} --qualifier ${qualifier}${toolkit}`;
}

let required: number | undefined;

/**
 * The lowest bootstrap version this aws-cdk-lib's default synthesizer accepts for a deployment, its assets
 * and its lookup role (which the deploy workflow's smoke check uses), read from what it synthesizes for an
 * empty stack: aws-cdk-lib does not export the number, and a literal here would go stale on an upgrade.
 * The first synthesis in a process loads aws-cdk-lib's synthesis modules (seconds); later ones are instant.
 */
export function requiredBootstrapVersion(): number {
  if (required !== undefined) return required;
  const outdir = mkdtempSync(path.join(tmpdir(), 'tripstream-preflight-'));
  try {
    const app = new App({ outdir });
    const stack = new Stack(app, 'BootstrapVersionProbe', { synthesizer: new DefaultStackSynthesizer() });
    // A template needs one resource; this one has no properties and is never deployed.
    new CfnWaitConditionHandle(stack, 'Placeholder');
    const assembly = app.synth();
    const versions = assembly.artifacts.flatMap((artifact) => {
      if (artifact instanceof CloudFormationStackArtifact && artifact.stackName === stack.stackName) {
        return [artifact.requiresBootstrapStackVersion, artifact.lookupRole?.requiresBootstrapStackVersion];
      }
      if (artifact instanceof AssetManifestArtifact) return [artifact.requiresBootstrapStackVersion];
      return [];
    });
    const known = versions.filter((version): version is number => version !== undefined);
    if (known.length === 0) throw new Error('the CDK synthesizer names no bootstrap version');
    required = Math.max(...known);
    return required;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export async function checkBootstrap(ssm: SSMClient, settings: PipelineSettings, target: PreflightTarget): Promise<CheckResult> {
  const qualifier = settings.bootstrapQualifier;
  const { id: ID, title } = bootstrapCheck(qualifier);
  const parameter = bootstrapVersionParameter(qualifier);
  let minimum: number;
  try {
    minimum = requiredBootstrapVersion();
  } catch (error) {
    return {
      id: ID,
      title,
      status: 'could-not-check',
      detail: `the version aws-cdk-lib requires is unknown: ${errorLine(error)}`,
      fix: 'Check that `npx cdk synth` works in this checkout (it writes to the temporary directory).',
    };
  }
  const fix = `${bootstrapCommand(qualifier, target)} (as an administrator; docs/deployment.md)`;
  let value: string | undefined;
  try {
    value = (await ssm.send(new GetParameterCommand({ Name: parameter }))).Parameter?.Value;
  } catch (error) {
    if (errorName(error) === 'ParameterNotFound') {
      return {
        id: ID,
        title,
        status: 'fail',
        detail: `${target.account}/${target.region} is not bootstrapped with qualifier ${qualifier}: no SSM parameter ${parameter}`,
        fix,
      };
    }
    return couldNotCheck(ID, title, 'ssm:GetParameter', error);
  }
  const version = Number(value);
  if (!Number.isInteger(version)) {
    return { id: ID, title, status: 'fail', detail: `${parameter} holds ${JSON.stringify(value)}, not a bootstrap version`, fix };
  }
  if (version < minimum) {
    return { id: ID, title, status: 'fail', detail: `bootstrap version ${version}; the app needs ${minimum} or later`, fix };
  }
  return {
    id: ID,
    title,
    status: 'pass',
    detail: `bootstrap version ${version} (${toolkitStackName(qualifier)}); the app needs ${minimum} or later`,
    fix: '',
  };
}
