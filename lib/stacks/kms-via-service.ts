/**
 * Narrows every KMS permission of the app's roles to use through the AWS services that role works with:
 * a `kms:ViaService` condition naming, say, SQS and DynamoDB in this region, so stolen credentials of a
 * handler cannot call kms:Decrypt on the data key directly (only SQS, S3, DynamoDB, Kinesis, SNS or EMR Serverless acting for
 * the role can). aws-cdk-lib's grants (queue.grantSendMessages, bucket.grantPut, ...) add their KMS statements
 * without one, and offer no hook to add it; this aspect adds it to the finished identity policies instead,
 * taking the services from the other actions of the same policy.
 *
 * A policy with KMS actions but none of these services is left as it is (and fails the infra test that
 * asserts every KMS statement is conditioned), rather than guessed at.
 */
import { Aws, type IAspect, Stack } from 'aws-cdk-lib';
import { CfnPolicy } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/** Action prefix -> the service that uses the key on the role's behalf. */
const KEY_USING_SERVICES = ['dynamodb', 'emr-serverless', 'kinesis', 's3', 'sns', 'sqs'] as const;

interface Statement {
  Action?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

function actionsOf(statement: Statement): string[] {
  return statement.Action === undefined ? [] : Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export class KmsViaServiceAspect implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof CfnPolicy)) return;
    const stack = Stack.of(node);
    const document = stack.resolve(node.policyDocument) as { Statement?: Statement[] } | undefined;
    const statements = document?.Statement ?? [];
    const isKmsOnly = (statement: Statement) => {
      const actions = actionsOf(statement);
      return actions.length > 0 && actions.every((action) => action.startsWith('kms:'));
    };
    if (!statements.some(isKmsOnly)) return;
    const services = KEY_USING_SERVICES.filter((service) =>
      statements.some((statement) => !isKmsOnly(statement) && actionsOf(statement).some((action) => action.startsWith(`${service}:`))),
    );
    if (services.length === 0) return;
    const viaService = services.map((service) => `${service}.${Aws.REGION}.amazonaws.com`);
    // An override, not a rewritten document: the document still renders itself later, after cross-stack
    // references have become imports; the resolved copy above only tells which statements to condition.
    statements.forEach((statement, index) => {
      if (!isKmsOnly(statement) || statement.Condition?.StringEquals?.['kms:ViaService'] !== undefined) return;
      node.addPropertyOverride(
        `PolicyDocument.Statement.${index}.Condition.StringEquals.kms:ViaService`,
        viaService.length === 1 ? viaService[0] : viaService,
      );
    });
  }
}
