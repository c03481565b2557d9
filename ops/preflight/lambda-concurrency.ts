/**
 * Check 3: the account's Lambda concurrency leaves room for the app at its peak. New accounts often start
 * with a quota of 10 or 50, where the pipeline's stream handlers alone can be throttled.
 */
import { GetAccountSettingsCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { PipelineSettings } from '../../lib/config';
import { type ConcurrencyNeed, concurrencyNeeded } from './app-needs';
import { type CheckResult, couldNotCheck } from './check';

export const LAMBDA_CONCURRENCY_CHECK = { id: 'lambda-concurrency', title: 'Lambda concurrency' } as const;
const { id: ID, title: TITLE } = LAMBDA_CONCURRENCY_CHECK;

/** Lambda keeps this much of an account's concurrency unreserved: a function may reserve only what lies above it. */
const LAMBDA_MINIMUM_UNRESERVED = 100;

/** Service Quotas' code of "Concurrent executions" (AWS Lambda). */
const CONCURRENCY_QUOTA_CODE = 'L-B99A9384';

const RAISE_QUOTA =
  `Ask for a concurrency quota of at least 1,000 (the usual default): Service Quotas > AWS Lambda > Concurrent executions, or ` +
  `\`aws service-quotas request-service-quota-increase --service-code lambda --quota-code ${CONCURRENCY_QUOTA_CODE} --desired-value 1000\`.`;

function describeNeed(need: ConcurrencyNeed): string {
  const parts = need.parts.map((part) => `${part.function} ${part.concurrency}`).join(', ');
  return `the app runs up to ${need.total} at once at peak (${parts}; the table stream's shards are estimated before deploy)`;
}

export async function checkLambdaConcurrency(lambda: LambdaClient, settings: PipelineSettings): Promise<CheckResult> {
  let quota: number | undefined;
  let unreserved: number | undefined;
  try {
    const limits = (await lambda.send(new GetAccountSettingsCommand({}))).AccountLimit;
    quota = limits?.ConcurrentExecutions;
    unreserved = limits?.UnreservedConcurrentExecutions;
  } catch (error) {
    return couldNotCheck(ID, TITLE, 'lambda:GetAccountSettings', error);
  }
  if (quota === undefined || unreserved === undefined) {
    return {
      id: ID,
      title: TITLE,
      status: 'could-not-check',
      detail: 'GetAccountSettings returned no AccountLimit',
      fix: 'Run preflight again; if it persists, check the Lambda endpoint.',
    };
  }
  const need = concurrencyNeeded(settings);
  const reservable = Math.max(0, unreserved - LAMBDA_MINIMUM_UNRESERVED);
  const reserveNote =
    reservable === 0
      ? ` This account cannot reserve any concurrency (AWS keeps ${LAMBDA_MINIMUM_UNRESERVED} unreserved); the app reserves none.`
      : '';
  const found = `quota ${quota}, unreserved ${unreserved}; ${describeNeed(need)}.${reserveNote}`;
  if (need.total > unreserved) {
    return { id: ID, title: TITLE, status: 'fail', detail: `${found} Invocations beyond ${unreserved} are throttled.`, fix: RAISE_QUOTA };
  }
  return { id: ID, title: TITLE, status: 'pass', detail: found, fix: '' };
}
