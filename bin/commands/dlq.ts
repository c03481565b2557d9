/**
 * `tripstream dlq list|show|redrive [--reason ...] [--trip-id ...] [--source ...] [--from ... --to ...]`
 * Inspects the deployed dead-letter queue and redrives letters through the retry queue (docs/operations.md).
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Command } from 'commander';
import { clientOptions, withRequestCounting } from '../../lib/aws/clients';
import { buildDlqProgram } from '../../lib/ops/dlq-command';

export function dlqCommand(): Command {
  return buildDlqProgram({
    sqs: () => withRequestCounting(new SQSClient({ ...clientOptions('sqs') })),
    cloudFormation: () => withRequestCounting(new CloudFormationClient({ ...clientOptions('cloudformation') })),
    writeOut: (text) => process.stdout.write(text),
    writeErr: (text) => process.stderr.write(text),
  });
}
