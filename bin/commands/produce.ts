/**
 * `tripstream produce --start trip_start.csv --end trip_end.csv [...]`: see `--help` and docs/producer.md.
 */
import { writeFile } from 'node:fs/promises';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { clientOptions, withRequestCounting } from '../../lib/aws/clients';
import { IncompleteWorkError, jsonText } from '../../lib/cli';
import { buildProgram, produceArgumentsOf, type ProduceArguments } from '../../producer/cli-arguments';
import { isS3Url } from '../../producer/locations';
import { produce, type ProduceSummary } from '../../producer/produce';
import { formatSummary, lineProgress, terminalProgress } from '../../producer/progress';
import { streamNamesFromStack } from '../../producer/stack-streams';

async function resolveStreams(args: ProduceArguments): Promise<{ startStream: string; endStream: string }> {
  switch (args.target.kind) {
    case 'streams':
      return { startStream: args.target.startStream, endStream: args.target.endStream };
    case 'none':
      return { startStream: '', endStream: '' };
    case 'stack': {
      const cloudFormation = withRequestCounting(new CloudFormationClient({ ...clientOptions('cloudformation') }));
      try {
        return await streamNamesFromStack(cloudFormation, args.target.stackName);
      } finally {
        cloudFormation.destroy();
      }
    }
  }
}

async function run(args: ProduceArguments): Promise<ProduceSummary> {
  const streams = await resolveStreams(args);
  // maxAttempts 1: the producer's own backoff owns resends, so its attempt budget and counts are exact.
  const kinesis = withRequestCounting(new KinesisClient({ ...clientOptions('kinesis'), maxAttempts: 1 }));
  const needsS3 = [args.start, args.end, args.quarantine].some(isS3Url);
  const s3 = needsS3 ? withRequestCounting(new S3Client({ ...clientOptions('s3') })) : undefined;
  const reporter = process.stderr.isTTY ? terminalProgress(process.stderr) : lineProgress((line) => process.stderr.write(`${line}\n`));
  try {
    return await produce({
      start: args.start,
      end: args.end,
      ...streams,
      order: args.order,
      quarantine: args.quarantine,
      ...(args.ratePerSecond === undefined ? {} : { ratePerSecond: args.ratePerSecond }),
      dryRun: args.dryRun,
      kinesis,
      ...(s3 === undefined ? {} : { s3 }),
      onProgress: (snapshot) => reporter.update(snapshot),
      maxSendAttempts: args.maxSendAttempts,
      concurrency: args.concurrency,
      reorderWindow: args.reorderWindow,
    });
  } finally {
    reporter.stop();
    kinesis.destroy();
    s3?.destroy();
  }
}

export function produceCommand(): Command {
  const program = buildProgram();
  return program.action(async () => {
    const args = produceArgumentsOf(program);
    const summary = await run(args);
    process.stdout.write(args.json ? jsonText(summary) : `${formatSummary(summary, args.dryRun)}\n`);
    if (args.summaryJson !== undefined) await writeFile(args.summaryJson, jsonText(summary));
    const unsent = summary.failed.start + summary.failed.end;
    if (unsent > 0) throw new IncompleteWorkError(`${unsent} records could not be sent; they are in ${summary.quarantineFiles.unsent ?? args.quarantine}`);
  });
}
