/**
 * `tripstream preflight`: every check of one environment against the account and region of the caller's
 * credentials, and what the outcome means for a script (docs/deployment.md).
 */
import { EXIT_CODES } from '../../bin/cli';
import type { EnvironmentName, PipelineSettings } from '../../lib/config';
import { API_GATEWAY_ROLE_CHECK, checkApiGatewayRole } from './api-gateway-role';
import { bootstrapCheck, checkBootstrap } from './bootstrap';
import type { CheckResult } from './check';
import type { PreflightClients } from './clients';
import { checkIdentity, IDENTITY_CHECK } from './identity';
import { checkLambdaConcurrency, LAMBDA_CONCURRENCY_CHECK } from './lambda-concurrency';
import { checkLeftoverResources, checkStackStates, describeStackStates, LEFTOVER_RESOURCES_CHECK, STACK_STATES_CHECK } from './leftovers';
import { checkEmrServerless, checkKinesisLimits, EMR_SERVERLESS_CHECK, KINESIS_LIMITS_CHECK } from './service-limits';

export interface PreflightReport {
  readonly env: EnvironmentName;
  /** Null when the credentials check did not pass. */
  readonly account: string | null;
  readonly region: string | null;
  readonly checks: readonly CheckResult[];
  readonly exitCode: number;
}

/**
 * 0 every check passed; 1 a check failed (a finding to fix first); 3 nothing failed but something could not
 * be checked, or nothing could be checked at all (no credentials, no region, endpoint unreachable).
 */
export function preflightExitCode(checks: readonly CheckResult[]): number {
  const identity = checks.find((check) => check.id === IDENTITY_CHECK.id);
  if (identity === undefined || identity.status !== 'pass') return EXIT_CODES.failed;
  if (checks.some((check) => check.status === 'fail')) return EXIT_CODES.incomplete;
  if (checks.some((check) => check.status === 'could-not-check')) return EXIT_CODES.failed;
  return EXIT_CODES.ok;
}

export async function runPreflight(env: EnvironmentName, settings: PipelineSettings, clients: PreflightClients): Promise<PreflightReport> {
  const identity = await checkIdentity(clients.sts);
  const target = identity.target;
  if (target === undefined) {
    const notChecked = [
      bootstrapCheck(settings.bootstrapQualifier),
      LAMBDA_CONCURRENCY_CHECK,
      API_GATEWAY_ROLE_CHECK,
      STACK_STATES_CHECK,
      LEFTOVER_RESOURCES_CHECK,
      KINESIS_LIMITS_CHECK,
      EMR_SERVERLESS_CHECK,
    ];
    const checks = [
      identity.result,
      ...notChecked.map(
        ({ id, title }): CheckResult => ({
          id,
          title,
          status: 'could-not-check',
          detail: `needs the ${IDENTITY_CHECK.title} check to pass first`,
          fix: '',
        }),
      ),
    ];
    return { env, account: null, region: null, checks, exitCode: preflightExitCode(checks) };
  }
  const stackStates = await describeStackStates(clients.cloudFormation, settings);
  const rest = await Promise.all([
    checkBootstrap(clients.ssm, settings, target),
    checkLambdaConcurrency(clients.lambda, settings),
    checkApiGatewayRole(clients.apiGateway, clients.iam, target),
    Promise.resolve(checkStackStates(stackStates)),
    checkLeftoverResources(clients, settings, target, stackStates),
    checkKinesisLimits(clients.kinesis, settings),
    checkEmrServerless(clients.emrServerless, target),
  ]);
  const checks = [identity.result, ...rest];
  return { env, account: target.account, region: target.region, checks, exitCode: preflightExitCode(checks) };
}
