/**
 * The command line of `tripstream replay`, built with its clients and output passed in.
 * Streams: `--start-stream/--end-stream`, or the outputs of the `--env`/`--stack` data stack as for the producer.
 */
import { existsSync } from 'node:fs';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { Command, InvalidArgumentError } from 'commander';
import { clientOptions, withRequestCounting } from '../../aws/clients';
import { assertOrdered, parseFromBound, parseToBound, type TimeWindow } from '../../ops/time-window';
import { isS3Url } from '../../producer/locations';
import { type ReplaySummary, replay } from '../../producer/replay';
import { DEFAULT_DATA_STACK, streamNamesFromStack } from '../../producer/stack-streams';
import { chosenStack, environmentOption, IncompleteWorkError, jsonText, withVersionAndExitCodes } from '../cli';

interface ReplayCommandDependencies {
  readonly kinesis: () => KinesisClient;
  readonly s3: () => S3Client;
  readonly cloudFormation: () => CloudFormationClient;
  readonly writeOut: (text: string) => void;
  readonly writeErr: (text: string) => void;
}

interface ReplayArguments {
  archive: string;
  tripId?: string[];
  from?: Date;
  to?: Date;
  startStream?: string;
  endStream?: string;
  stack?: string;
  env?: string;
  unsent: string;
  dryRun?: boolean;
  json?: boolean;
}

function formatReplaySummary(summary: ReplaySummary, dryRun: boolean): string {
  const lines = [
    `archive:  ${summary.objects} objects, ${summary.records} records`,
    `selected: start ${summary.selected.start}, end ${summary.selected.end}`,
    dryRun
      ? 'dry run:  nothing sent'
      : `sent:     start ${summary.sent.start}, end ${summary.sent.end} (${summary.batches} batches, ${summary.retriedEntries} entries resent)`,
  ];
  if (summary.failed.start + summary.failed.end > 0)
    lines.push(`unsent:   start ${summary.failed.start}, end ${summary.failed.end} (${summary.unsentFile ?? 'not written'})`);
  if (summary.skippedObjects.length > 0)
    lines.push(
      `skipped:  ${summary.skippedObjects.length} objects outside raw/<stream>/ (${summary.skippedObjects.slice(0, 3).join(', ')})`,
    );
  return lines.join('\n');
}

function buildReplayProgram(dependencies: ReplayCommandDependencies): Command {
  const program = new Command('replay')
    .description('Re-send archived records (the raw archive) into the trip streams; records already applied count as duplicates.')
    .requiredOption(
      '--archive <s3-url|dir>',
      "the archive prefix: s3://<data bucket>/raw/[trip-start|trip-end/[YYYY-MM-DD/]], or a local run's <out>/raw/",
    )
    .option('--trip-id <ids...>', 'only records of these trips')
    .option(
      '--from <date|instant>',
      "only events whose own time (a start's pickup, an end's dropoff) is at or after this UTC date or instant",
      parseFromBound,
    )
    .option('--to <date|instant>', 'only events up to this UTC date (included) or before this instant', parseToBound)
    .option('--start-stream <name>', 'Kinesis stream for trip starts (with --end-stream, instead of --env/--stack)')
    .option('--end-stream <name>', 'Kinesis stream for trip ends (with --start-stream, instead of --env/--stack)')
    .addOption(environmentOption())
    .option('--stack <name>', `deployed data stack whose outputs name the streams (default: the --env one, ${DEFAULT_DATA_STACK})`)
    .option('--unsent <dir|s3-url>', 'where records Kinesis did not accept are written', 'quarantine')
    .option('--dry-run', 'read and select, send nothing')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', '\nRecords Kinesis did not accept go to the --unsent folder (exit 1). See docs/operations.md.')
    .allowExcessArguments(false)
    .showSuggestionAfterError(false)
    .exitOverride()
    .configureOutput({ writeOut: dependencies.writeOut, writeErr: dependencies.writeErr });
  withVersionAndExitCodes(program);

  program.action(async (args: ReplayArguments) => {
    if (!isS3Url(args.archive) && !existsSync(args.archive)) program.error(`error: no such file or folder: ${args.archive}`);
    const hasStreams = args.startStream !== undefined || args.endStream !== undefined;
    if (hasStreams && (args.stack !== undefined || args.env !== undefined))
      program.error('error: give either --stack/--env or --start-stream/--end-stream, not both');
    if (hasStreams && (args.startStream === undefined || args.endStream === undefined))
      program.error('error: --start-stream and --end-stream go together');
    const eventTime: TimeWindow | undefined =
      args.from === undefined && args.to === undefined ? undefined : { from: args.from, before: args.to };
    if (eventTime !== undefined) {
      try {
        assertOrdered(eventTime);
      } catch (error) {
        program.error(`error: ${(error as InvalidArgumentError).message}`);
      }
    }
    const dryRun = args.dryRun === true;
    const stack = hasStreams ? undefined : chosenStack(program, args, 'data');
    const streams =
      args.startStream !== undefined && args.endStream !== undefined
        ? { start: args.startStream, end: args.endStream }
        : dryRun
          ? { start: '', end: '' }
          : await streamNamesFromStack(dependencies.cloudFormation(), stack ?? DEFAULT_DATA_STACK).then(({ startStream, endStream }) => ({
              start: startStream,
              end: endStream,
            }));
    const needsS3 = isS3Url(args.archive) || isS3Url(args.unsent);
    const summary = await replay({
      from: args.archive,
      streams,
      selection: { ...(args.tripId === undefined ? {} : { tripIds: args.tripId }), ...(eventTime === undefined ? {} : { eventTime }) },
      kinesis: dependencies.kinesis(),
      ...(needsS3 ? { s3: dependencies.s3() } : {}),
      unsent: args.unsent,
      dryRun,
    });
    dependencies.writeOut(args.json === true ? jsonText(summary) : `${formatReplaySummary(summary, dryRun)}\n`);
    if (summary.objects === 0) throw new Error(`no archived objects (*.gz under raw/trip-start/ or raw/trip-end/) at ${args.archive}`);
    const unsent = summary.failed.start + summary.failed.end;
    if (unsent > 0) throw new IncompleteWorkError(`${unsent} records could not be sent; they are in ${summary.unsentFile ?? args.unsent}`);
  });
  return program;
}

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
