/**
 * `tripstream replay --archive <s3://bucket/raw/...|local raw folder> [--trip-id ...] [--from ... --to ...]`
 * Re-sends archived records into the trip streams through the producer's sender (docs/operations.md).
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { clientOptions, withRequestCounting } from '../../lib/aws/clients';
import { buildReplayProgram } from '../../producer/replay-command';

export function replayCommand(): Command {
  return buildReplayProgram({
    // maxAttempts 1: the sender's own backoff owns resends, as in the producer.
    kinesis: () => withRequestCounting(new KinesisClient({ ...clientOptions('kinesis'), maxAttempts: 1 })),
    s3: () => withRequestCounting(new S3Client({ ...clientOptions('s3') })),
    cloudFormation: () => withRequestCounting(new CloudFormationClient({ ...clientOptions('cloudformation') })),
    writeOut: (text) => process.stdout.write(text),
    writeErr: (text) => process.stderr.write(text),
  });
}
