/**
 * `tripstream preflight --env dev|prod [--json]`: read-only checks of the target account and region before
 * the first deploy (docs/deployment.md). Every client refuses any command but the reads preflight makes.
 */
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EMRServerlessClient } from '@aws-sdk/client-emr-serverless';
import { IAMClient } from '@aws-sdk/client-iam';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import type { Command } from 'commander';
import { clientOptions, withRequestCounting } from '../../lib/aws/clients';
import { readOnly, type PreflightClients } from '../../lib/preflight/clients';
import { buildPreflightProgram } from '../../lib/preflight/preflight-command';

function preflightClients(): PreflightClients {
  const guarded = <C extends { middlewareStack: { use(plugin: never): void; remove(toRemove: string): boolean } }>(client: C): C => readOnly(withRequestCounting(client));
  return {
    sts: guarded(new STSClient({ ...clientOptions('sts') })),
    ssm: guarded(new SSMClient({ ...clientOptions('ssm') })),
    lambda: guarded(new LambdaClient({ ...clientOptions('lambda') })),
    apiGateway: guarded(new APIGatewayClient({ ...clientOptions('api_gateway') })),
    iam: guarded(new IAMClient({ ...clientOptions('iam') })),
    cloudFormation: guarded(new CloudFormationClient({ ...clientOptions('cloudformation') })),
    kinesis: guarded(new KinesisClient({ ...clientOptions('kinesis') })),
    dynamodb: guarded(new DynamoDBClient({ ...clientOptions('dynamodb') })),
    sqs: guarded(new SQSClient({ ...clientOptions('sqs') })),
    s3: guarded(new S3Client({ ...clientOptions('s3') })),
    logs: guarded(new CloudWatchLogsClient({ ...clientOptions('cloudwatch_logs') })),
    athena: guarded(new AthenaClient({ ...clientOptions('athena') })),
    emrServerless: guarded(new EMRServerlessClient({ ...clientOptions('emr_serverless') })),
  };
}

export function preflightCommand(): Command {
  return buildPreflightProgram({
    clients: preflightClients,
    writeOut: (text) => process.stdout.write(text),
    setExitCode: (code) => {
      process.exitCode = code;
    },
  });
}
