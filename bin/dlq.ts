/**
 * `npm run dlq -- list|show|redrive [--reason ...] [--trip-id ...] [--source ...] [--first-seen-date ...]`
 * Inspects the deployed dead-letter queue and redrives letters through the retry queue (docs/operations.md).
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SQSClient } from '@aws-sdk/client-sqs';
import { clientOptions, withRequestCounting } from '../lib/aws/clients';
import { runCommand } from '../lib/cli';
import { buildDlqProgram } from '../lib/ops/dlq-command';

const program = buildDlqProgram({
  sqs: () => withRequestCounting(new SQSClient({ ...clientOptions('sqs') })),
  cloudFormation: () => withRequestCounting(new CloudFormationClient({ ...clientOptions('cloudformation') })),
  writeOut: (text) => process.stdout.write(text),
  writeErr: (text) => process.stderr.write(text),
});

// Explicit exit: the SDK's keep-alive sockets must not hold a finished command open.
void runCommand(program).then(() => process.exit());
