/**
 * `npm run replay -- --from <s3://bucket/raw/...|local raw folder> [--trip-id ...] [--from-time ... --to-time ...]`
 * Re-sends archived records into the trip streams through the producer's sender (docs/operations.md).
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { clientOptions, withRequestCounting } from '../lib/aws/clients';
import { runCommand } from '../lib/cli';
import { buildReplayProgram } from '../producer/replay-command';

const program = buildReplayProgram({
  // maxAttempts 1: the sender's own backoff owns resends, as in the producer CLI.
  kinesis: () => withRequestCounting(new KinesisClient({ ...clientOptions('kinesis'), maxAttempts: 1 })),
  s3: () => withRequestCounting(new S3Client({ ...clientOptions('s3') })),
  cloudFormation: () => withRequestCounting(new CloudFormationClient({ ...clientOptions('cloudformation') })),
  writeOut: (text) => process.stdout.write(text),
  writeErr: (text) => process.stderr.write(text),
});

// Explicit exit: the SDK's keep-alive sockets must not hold a finished command open.
void runCommand(program).then(() => process.exit());
