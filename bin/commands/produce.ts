/**
 * The command line of `tripstream produce`, parsed and checked before anything touches AWS.
 * Wrong arguments make commander print one `error: ...` line and throw a CommanderError.
 */

import { writeFile } from 'node:fs/promises';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { Command, CommanderError, Option } from 'commander';
import { clientOptions, withRequestCounting } from '../../aws/clients';
import { isS3Url } from '../../producer/locations';
import { SEND_ORDERS, type SendOrder } from '../../producer/ordering';
import { PRODUCER_DEFAULTS, type ProduceSummary, produce } from '../../producer/produce';
import { formatSummary, lineProgress, terminalProgress } from '../../producer/progress';
import { DEFAULT_DATA_STACK, streamNamesFromStack } from '../../producer/stack-streams';
import {
  chosenStack,
  environmentOption,
  IncompleteWorkError,
  jsonText,
  positiveInteger,
  positiveNumber,
  withVersionAndExitCodes,
} from '../cli';

type StreamTarget = { kind: 'streams'; startStream: string; endStream: string } | { kind: 'stack'; stackName: string } | { kind: 'none' };

export interface ProduceArguments {
  start: string;
  end: string;
  target: StreamTarget;
  quarantine: string;
  order: SendOrder;
  ratePerSecond?: number;
  dryRun: boolean;
  summaryJson?: string;
  /** Print the summary as JSON on stdout instead of the table. */
  json: boolean;
  concurrency: number;
  maxSendAttempts: number;
  reorderWindow: number;
}

interface RawOptions {
  start: string;
  end: string;
  startStream?: string;
  endStream?: string;
  stack?: string;
  env?: string;
  quarantine: string;
  order: SendOrder;
  rate?: number;
  dryRun?: boolean;
  summaryJson?: string;
  json?: boolean;
  concurrency: number;
  maxAttempts: number;
  reorderWindow: number;
}

export interface OutputSinks {
  writeOut: (text: string) => void;
  writeErr: (text: string) => void;
}

function buildProgram(sinks?: OutputSinks): Command {
  const program = new Command('produce')
    .description(
      'Stream trip_start.csv and trip_end.csv into the trip Kinesis streams: every row validated, rejected rows quarantined, valid rows sent exactly once.',
    )
    .requiredOption('--start <file|s3-url>', 'trip start CSV: a local path or s3://bucket/key (streamed, never downloaded whole)')
    .requiredOption('--end <file|s3-url>', 'trip end CSV: a local path or s3://bucket/key')
    .option('--start-stream <name>', 'Kinesis stream for trip starts (give it with --end-stream, instead of --stack)')
    .option('--end-stream <name>', 'Kinesis stream for trip ends (give it with --start-stream, instead of --stack)')
    .option(
      '--stack <name>',
      `deployed data stack whose outputs name the streams (default when no stream names are given: the --env one, ${DEFAULT_DATA_STACK})`,
    )
    .addOption(environmentOption())
    .option('--quarantine <dir|s3-url>', 'where rejected rows and unsent records are written, one JSON line each', 'quarantine')
    .addOption(
      new Option(
        '--order <order>',
        'event-time: starts and ends interleaved by event time; file: start file then end file, each in file order; ends-first: every end before any start',
      )
        .choices(SEND_ORDERS)
        .default('event-time'),
    )
    .option(
      '--rate <records-per-second>',
      'cap on records sent per second, resends included (default: as fast as Kinesis accepts)',
      positiveNumber(),
    )
    .option('--dry-run', 'validate, quarantine and report without sending (needs no stream names and no AWS access for local files)')
    .option('--summary-json <file>', 'also write the final summary as JSON to this file')
    .option('--json', 'print the final summary as JSON on stdout instead of the table')
    .option('--concurrency <batches>', 'PutRecords batches in flight at once', positiveInteger, PRODUCER_DEFAULTS.concurrency)
    .option(
      '--max-attempts <attempts>',
      'PutRecords attempts per record (first included) before it is written as unsent',
      positiveInteger,
      PRODUCER_DEFAULTS.maxSendAttempts,
    )
    .option(
      '--reorder-window <rows>',
      'valid rows per file held back to restore event-time order (event-time order only)',
      positiveInteger,
      PRODUCER_DEFAULTS.reorderWindow,
    )
    .addHelpText(
      'after',
      [
        '',
        'AWS configuration is the standard one (AWS_REGION, AWS_PROFILE, credentials chain). When',
        'AWS_ENDPOINT_URL_KINESIS / AWS_ENDPOINT_URL (and _S3, _CLOUDFORMATION) are set, those endpoints are used.',
        'Rejected rows are quarantined, not an error; records Kinesis did not accept are (exit 1, unsent-records file).',
      ].join('\n'),
    )
    .allowExcessArguments(false)
    // The suggestion would be a second line; wrong arguments get exactly one.
    .showSuggestionAfterError(false)
    .exitOverride();
  withVersionAndExitCodes(program);
  if (sinks !== undefined) program.configureOutput({ writeOut: sinks.writeOut, writeErr: sinks.writeErr });
  return program;
}

/** Parses `argv` (user arguments only, without node and script). Throws CommanderError on wrong arguments or --help. */
export function parseProduceArguments(argv: string[], sinks?: OutputSinks): ProduceArguments {
  const program = buildProgram(sinks);
  program.parse(argv, { from: 'user' });
  return produceArgumentsOf(program);
}

/** The arguments of a parsed `buildProgram()`; an invalid combination of options is a usage error (CommanderError). */
function produceArgumentsOf(program: Command): ProduceArguments {
  const raw = program.opts<RawOptions>();

  const hasStreamNames = raw.startStream !== undefined || raw.endStream !== undefined;
  if (hasStreamNames && (raw.stack !== undefined || raw.env !== undefined))
    program.error('error: give either --stack/--env or --start-stream/--end-stream, not both');
  if (hasStreamNames && (raw.startStream === undefined || raw.endStream === undefined))
    program.error('error: --start-stream and --end-stream go together');

  let target: StreamTarget;
  if (raw.startStream !== undefined && raw.endStream !== undefined)
    target = { kind: 'streams', startStream: raw.startStream, endStream: raw.endStream };
  else if (raw.dryRun === true && raw.stack === undefined && raw.env === undefined) target = { kind: 'none' };
  else target = { kind: 'stack', stackName: chosenStack(program, raw, 'data') };

  return {
    start: raw.start,
    end: raw.end,
    target,
    quarantine: raw.quarantine,
    order: raw.order,
    ...(raw.rate === undefined ? {} : { ratePerSecond: raw.rate }),
    dryRun: raw.dryRun === true,
    ...(raw.summaryJson === undefined ? {} : { summaryJson: raw.summaryJson }),
    json: raw.json === true,
    concurrency: raw.concurrency,
    maxSendAttempts: raw.maxAttempts,
    reorderWindow: raw.reorderWindow,
  };
}

export { CommanderError };

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
    if (unsent > 0)
      throw new IncompleteWorkError(
        `${unsent} records could not be sent; they are in ${summary.quarantineFiles.unsent ?? args.quarantine}`,
      );
  });
}
