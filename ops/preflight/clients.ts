/**
 * The clients preflight talks to AWS with, and the one rule they share: read-only. Every operation preflight
 * may send is listed here, and each client refuses, before signing, any operation not on the list, so a
 * future check cannot change the account by mistake.
 */
import type { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import type { AthenaClient } from '@aws-sdk/client-athena';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EMRServerlessClient } from '@aws-sdk/client-emr-serverless';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { STSClient } from '@aws-sdk/client-sts';
import type { Pluggable } from '@smithy/types';

export interface PreflightClients {
  readonly sts: STSClient;
  readonly ssm: SSMClient;
  readonly lambda: LambdaClient;
  readonly apiGateway: APIGatewayClient;
  readonly iam: IAMClient;
  readonly cloudFormation: CloudFormationClient;
  readonly kinesis: KinesisClient;
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly logs: CloudWatchLogsClient;
  readonly athena: AthenaClient;
  readonly emrServerless: EMRServerlessClient;
}

/**
 * Every command preflight sends, by SDK command name: reads only (Get, Describe, List, and S3's HeadBucket,
 * a read of the bucket's existence).
 */
export const READ_ONLY_COMMANDS: ReadonlySet<string> = new Set([
  'GetCallerIdentityCommand',
  'GetParameterCommand',
  'GetAccountSettingsCommand',
  'GetAccountCommand',
  'GetRoleCommand',
  'DescribeStacksCommand',
  'DescribeLimitsCommand',
  'DescribeStreamSummaryCommand',
  'DescribeTableCommand',
  'GetQueueUrlCommand',
  'HeadBucketCommand',
  'DescribeLogGroupsCommand',
  'ListWorkGroupsCommand',
  'ListApplicationsCommand',
]);

export class NotReadOnlyError extends Error {
  override readonly name = 'NotReadOnlyError';
}

interface CommandContext {
  commandName?: string;
}

/** Refuses, before anything is sent, a command that is not in READ_ONLY_COMMANDS. */
const readOnlyGuard: Pluggable<object, object> = {
  applyToStack: (stack) => {
    stack.add(
      (next, context: CommandContext) => async (args) => {
        const command = context.commandName ?? 'an unnamed command';
        if (!READ_ONLY_COMMANDS.has(command)) throw new NotReadOnlyError(`preflight sends only reads; ${command} is not one of them`);
        return next(args);
      },
      { step: 'initialize', name: 'tripstreamPreflightReadOnly', override: true },
    );
  },
};

/** The client, refusing anything but the reads preflight makes. */
export function readOnly<C extends { middlewareStack: { use(plugin: never): void } }>(client: C): C {
  (client.middlewareStack as unknown as { use(plugin: Pluggable<object, object>): void }).use(readOnlyGuard);
  return client;
}
