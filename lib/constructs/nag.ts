/**
 * cdk-nag acknowledgements that recur across stacks. Each one is placed on the construct that owns the
 * finding (a role, a function), names the exact finding (cdk-nag v3 has no rule-wide suppression), and
 * says why the finding is acceptable there.
 */
import { Stack, Validations } from 'aws-cdk-lib';
// Not part of cdk-nag's public API, but the very function AwsSolutions-IAM5 builds its finding ids with: an
// acknowledgement is matched by exact id, so any other rendering of the resource would drift from the rule's.
// cdk-nag is pinned exactly in package.json; nag.test.ts fails if an upgrade changes the rendering.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { IConstruct } from 'constructs';

/** Wildcard actions that aws-cdk-lib grants emit, and why each is the narrowest usable form. */
const GRANT_ACTION_REASONS = {
  'kms:GenerateDataKey*':
    'Emitted by the KMS grants of encrypted SQS/S3/DynamoDB: covers GenerateDataKey and ' +
    'GenerateDataKeyWithoutPlaintext on the one pipeline key, both used for envelope encryption.',
  'kms:ReEncrypt*': 'Emitted by the KMS grants of encrypted SQS/S3/DynamoDB: ReEncryptFrom/ReEncryptTo on the one pipeline key only.',
  's3:GetObject*': 'Emitted by Bucket.grantRead: GetObject and its version/attribute variants, on the named prefix only.',
  's3:GetBucket*': 'Emitted by Bucket.grantRead: bucket location/metadata lookups the S3 clients make, on one bucket.',
  's3:List*': 'Emitted by Bucket.grantRead: listing one bucket (Spark lists a prefix before reading it).',
  's3:DeleteObject*': 'Emitted by Bucket.grantDelete/grantReadWrite: overwriting a rerun date, on the named prefix only.',
  's3:Abort*': 'Emitted by Bucket.grantPut: aborting its own failed multipart uploads, on the named prefix only.',
} as const;
export type GrantWildcardAction = keyof typeof GRANT_ACTION_REASONS;

/** Acknowledges wildcard actions that grants put on this role (or function), each with its reason. */
export function acknowledgeGrantActions(owner: IConstruct, actions: readonly GrantWildcardAction[]): void {
  for (const action of actions) {
    Validations.of(owner).acknowledge({ id: `AwsSolutions-IAM5[Action::${action}]`, reason: GRANT_ACTION_REASONS[action] });
  }
}

/**
 * Acknowledges a wildcard resource (an object prefix, a function's versions) on the role that holds it, under
 * the finding id IAM5 reports for it, e.g. `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::bucket/prefix/*]`.
 */
export function acknowledgeWildcardResource(owner: IConstruct, resource: string, reason: string): void {
  const finding = `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(owner).resolve(resource))}]`;
  Validations.of(owner).acknowledge({ id: finding, reason });
}
