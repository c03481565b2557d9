/**
 * The app's resources whose physical names are fixed by the settings, per stack: if one already exists when
 * its stack is created (kept by a failed first create, or by an earlier stack's Retain), the create fails
 * with "already exists". test/infra/preflight-fixed-names.test.ts holds this list to the synthesized
 * templates: every retained resource with a fixed name is here.
 */

import type { HandlerName } from '../../domain/envelopes';
import { type PipelineSettings, resourceNames, stackNames } from '../../lib/config';
import type { PreflightTarget } from './check';

export type FixedNameKind = 'kinesis-stream' | 'dynamodb-table' | 'sqs-queue' | 's3-bucket' | 'log-group' | 'athena-workgroup';

export interface FixedNameResource {
  readonly kind: FixedNameKind;
  readonly name: string;
}

export type StackRole = keyof ReturnType<typeof stackNames>;

/** The handlers each stack deploys; each logs to `/aws/lambda/<prefix>-<handler>`. */
const STACK_HANDLERS: Record<StackRole, readonly HandlerName[]> = {
  data: [],
  pipeline: ['start', 'end', 'match', 'redrive', 'failed-batches'],
  analytics: ['kpi-trigger'],
  liveMetrics: ['live-metrics', 'metrics-api'],
  monitoring: [],
};

export function fixedNameResources(settings: PipelineSettings, target: PreflightTarget): Record<StackRole, FixedNameResource[]> {
  const names = resourceNames(settings);
  const logGroups = (role: StackRole): FixedNameResource[] =>
    STACK_HANDLERS[role].map((handler) => ({ kind: 'log-group', name: `/aws/lambda/${settings.prefix}-${handler}` }));
  return {
    data: [
      { kind: 'kinesis-stream', name: names.tripStartStream },
      { kind: 'kinesis-stream', name: names.tripEndStream },
      { kind: 'dynamodb-table', name: names.tripsTable },
      { kind: 'dynamodb-table', name: names.metricsTable },
      { kind: 'sqs-queue', name: names.retryQueue },
      { kind: 'sqs-queue', name: names.failedBatchQueue },
      { kind: 'sqs-queue', name: names.deadLetterQueue },
      // The data stack's dataBucketName(), resolved for this account and region.
      { kind: 's3-bucket', name: `${settings.prefix}-data-${target.account}-${target.region}` },
    ],
    pipeline: logGroups('pipeline'),
    analytics: [
      ...logGroups('analytics'),
      { kind: 'log-group', name: `/aws/emr-serverless/${names.kpiJobName}` },
      { kind: 'athena-workgroup', name: settings.prefix },
    ],
    liveMetrics: logGroups('liveMetrics'),
    monitoring: [],
  };
}

/** How to remove a leftover, after exporting anything in it that is still wanted. */
export function deleteCommand(resource: FixedNameResource, detail: { queueUrl?: string; deletionProtection?: boolean } = {}): string {
  switch (resource.kind) {
    case 'kinesis-stream':
      return `aws kinesis delete-stream --stream-name ${resource.name}`;
    case 'dynamodb-table':
      return (
        (detail.deletionProtection === true
          ? `aws dynamodb update-table --table-name ${resource.name} --no-deletion-protection-enabled && `
          : '') + `aws dynamodb delete-table --table-name ${resource.name}`
      );
    case 'sqs-queue':
      return `aws sqs delete-queue --queue-url ${detail.queueUrl ?? `$(aws sqs get-queue-url --queue-name ${resource.name} --output text)`}`;
    case 's3-bucket':
      // The data bucket is versioned: `aws s3 rb --force` would leave the old versions and fail.
      return `empty s3://${resource.name} of every object version (S3 console > Empty), then aws s3api delete-bucket --bucket ${resource.name}`;
    case 'log-group':
      return `aws logs delete-log-group --log-group-name ${resource.name}`;
    case 'athena-workgroup':
      return `aws athena delete-work-group --work-group ${resource.name} --recursive-delete-option`;
  }
}
