import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { EXIT_CODES } from '../../../bin/cli';
import { CommanderError, parseProduceArguments } from '../../../bin/commands/produce';
import { STACK_OUTPUTS } from '../../../lib/config';
import { DEFAULT_DATA_STACK, streamNamesFromStack } from '../../../producer/stack-streams';

/** Parses and captures what commander would print. */
function parse(argv: string[]) {
  const output = { out: '', err: '' };
  const sinks = { writeOut: (text: string) => (output.out += text), writeErr: (text: string) => (output.err += text) };
  try {
    return { args: parseProduceArguments(argv, sinks), error: undefined, output };
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return { args: undefined, error, output };
  }
}

const files = ['--start', 'trip_start.csv', '--end', 'trip_end.csv'];

describe('parseProduceArguments', () => {
  it('applies the documented defaults', () => {
    // Act
    const { args } = parse(files);

    // Assess
    expect(args).toEqual({
      start: 'trip_start.csv',
      end: 'trip_end.csv',
      target: { kind: 'stack', stackName: DEFAULT_DATA_STACK },
      quarantine: 'quarantine',
      order: 'event-time',
      dryRun: false,
      json: false,
      concurrency: 4,
      maxSendAttempts: 8,
      reorderWindow: 10_000,
    });
    expect(DEFAULT_DATA_STACK).toBe('tripstream-dev-data');
  });

  it('takes explicit streams, S3 locations, order, rate and summary file', () => {
    // Act
    const { args } = parse([
      '--start',
      's3://raw/trip_start.csv',
      '--end',
      's3://raw/trip_end.csv',
      '--start-stream',
      'starts',
      '--end-stream',
      'ends',
      '--quarantine',
      's3://raw/quarantine/',
      '--order',
      'ends-first',
      '--rate',
      '250.5',
      '--summary-json',
      'summary.json',
    ]);

    // Assess
    expect(args).toMatchObject({
      start: 's3://raw/trip_start.csv',
      target: { kind: 'streams', startStream: 'starts', endStream: 'ends' },
      quarantine: 's3://raw/quarantine/',
      order: 'ends-first',
      ratePerSecond: 250.5,
      summaryJson: 'summary.json',
    });
  });

  it("takes the --env environment's data stack, and --json", () => {
    // Act
    const { args } = parse([...files, '--env', 'prod', '--json']);

    // Assess
    expect(args).toMatchObject({ target: { kind: 'stack', stackName: 'tripstream-prod-data' }, json: true });
  });

  it('needs no stream names for a dry run', () => {
    // Act
    const { args } = parse([...files, '--dry-run']);

    // Assess
    expect(args).toMatchObject({ dryRun: true, target: { kind: 'none' } });
  });

  it.each([
    ['a missing --start', ['--end', 'e.csv'], "error: required option '--start <file|s3-url>' not specified"],
    [
      'an unknown order',
      [...files, '--order', 'random'],
      "error: option '--order <order>' argument 'random' is invalid. Allowed choices are event-time, file, ends-first.",
    ],
    [
      'a non-numeric rate',
      [...files, '--rate', 'fast'],
      "error: option '--rate <records-per-second>' argument 'fast' is invalid. expected a positive number.",
    ],
    [
      'a zero rate',
      [...files, '--rate', '0'],
      "error: option '--rate <records-per-second>' argument '0' is invalid. expected a positive number.",
    ],
    [
      'a fractional concurrency',
      [...files, '--concurrency', '1.5'],
      "error: option '--concurrency <batches>' argument '1.5' is invalid. expected a positive whole number.",
    ],
    [
      'both a stack and stream names',
      [...files, '--stack', 'x', '--start-stream', 'a', '--end-stream', 'b'],
      'error: give either --stack/--env or --start-stream/--end-stream, not both',
    ],
    [
      'both an environment and stream names',
      [...files, '--env', 'prod', '--start-stream', 'a', '--end-stream', 'b'],
      'error: give either --stack/--env or --start-stream/--end-stream, not both',
    ],
    ['both an environment and a stack', [...files, '--env', 'prod', '--stack', 'x'], 'error: give either --env or --stack, not both'],
    [
      'an unknown environment',
      [...files, '--env', 'staging'],
      "error: option '--env <env>' argument 'staging' is invalid. Allowed choices are dev, prod.",
    ],
    ['only one stream name', [...files, '--start-stream', 'a'], 'error: --start-stream and --end-stream go together'],
    ['an unknown option', [...files, '--shards', '3'], "error: unknown option '--shards'"],
    ['a stray argument', [...files, 'extra'], 'error: too many arguments. Expected 0 arguments but got 1.'],
  ])('rejects %s with one line and a non-zero code', (_case, argv, message) => {
    // Act
    const { error, output } = parse(argv);

    // Assess
    expect(output.err).toBe(`${message}\n`);
    expect(error?.exitCode).not.toBe(EXIT_CODES.ok);
  });

  it('explains every option in --help and exits 0', () => {
    // Act
    const { error, output } = parse(['--help']);

    // Assess
    expect(error?.exitCode).toBe(0);
    for (const option of [
      '--start',
      '--end',
      '--start-stream',
      '--end-stream',
      '--stack',
      '--quarantine',
      '--order',
      '--rate',
      '--dry-run',
      '--summary-json',
    ]) {
      expect(output.out).toContain(option);
    }
    expect(output.out).toContain('Exit codes');
    expect(output.out).toContain('--env <env>');
    expect(output.out).toContain('--json');
  });
});

describe('streamNamesFromStack', () => {
  const cloudFormation = new CloudFormationClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const cloudFormationMock = mockClient(cloudFormation);

  beforeEach(() => cloudFormationMock.reset());

  it('reads both stream names from the data stack outputs', async () => {
    // Prepare
    cloudFormationMock.on(DescribeStacksCommand, { StackName: 'tripstream-dev-data' }).resolves({
      Stacks: [
        {
          StackName: 'tripstream-dev-data',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [
            { OutputKey: STACK_OUTPUTS.tripStartStreamName, OutputValue: 'tripstream-dev-trip-start' },
            { OutputKey: STACK_OUTPUTS.tripEndStreamName, OutputValue: 'tripstream-dev-trip-end' },
          ],
        },
      ],
    });

    // Act
    const streams = await streamNamesFromStack(cloudFormation, 'tripstream-dev-data');

    // Assess
    expect(streams).toEqual({ startStream: 'tripstream-dev-trip-start', endStream: 'tripstream-dev-trip-end' });
  });

  it('says which output is missing', async () => {
    // Prepare
    cloudFormationMock.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'other',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [{ OutputKey: STACK_OUTPUTS.tripStartStreamName, OutputValue: 's' }],
        },
      ],
    });

    // Act
    const lookup = streamNamesFromStack(cloudFormation, 'other');

    // Assess
    await expect(lookup).rejects.toThrow(`stack other has no output ${STACK_OUTPUTS.tripEndStreamName}; is it the data stack?`);
  });
});
