/**
 * `tripstream dlq list|show|redrive [filters]`: the command line over ops/dead-letter-queue.ts.
 * Built with its clients and output passed in, so the unit tests drive the real program against mocks.
 */

import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Command, Option } from 'commander';
import { clientOptions, withRequestCounting } from '../../aws/clients';
import { READ_QUEUE_DEFAULTS } from '../../aws/queue-reader';
import { stackOutputs } from '../../aws/stack-outputs';
import { DEAD_LETTER_REASONS, type DeadLetterReason, HANDLER_NAMES, type HandlerName, RETRY_REASONS } from '../../domain/envelopes';
import { environments, STACK_OUTPUTS, stackNames } from '../../lib/config';
import {
  type LetterFilter,
  type LetterSummary,
  matchesFilter,
  type QueuedLetter,
  type RedriveOutcome,
  readDeadLetterQueue,
  redriveLetters,
  releaseLetters,
  summarize,
} from '../../ops/dead-letter-queue';
import { assertOrdered, parseFromBound, parseToBound, type TimeWindow } from '../../ops/time-window';
import { chosenStack, environmentOption, IncompleteWorkError, jsonText, positiveInteger, withVersionAndExitCodes } from '../cli';

const DEFAULT_DLQ_STACK = stackNames(environments.dev).data;

export interface DlqCommandDependencies {
  readonly sqs: () => SQSClient;
  readonly cloudFormation: () => CloudFormationClient;
  readonly writeOut: (text: string) => void;
  readonly writeErr: (text: string) => void;
}

interface CommonOptions {
  queueUrl?: string;
  stack?: string;
  env?: string;
  reason?: DeadLetterReason[];
  tripId?: string[];
  source?: HandlerName[];
  messageId?: string[];
  from?: Date;
  to?: Date;
  visibilityTimeout: number;
}

interface RedriveOptions extends CommonOptions {
  retryQueueUrl?: string;
  dryRun?: boolean;
  json?: boolean;
}

/** The selection and queue options every subcommand takes. */
function withSelection(command: Command): Command {
  return withVersionAndExitCodes(command)
    .option('--queue-url <url>', `the dead-letter queue (default: the ${STACK_OUTPUTS.deadLetterQueueUrl} output of the data stack)`)
    .addOption(environmentOption())
    .option('--stack <name>', `the deployed data stack whose outputs name the queues (default: the --env one, ${DEFAULT_DLQ_STACK})`)
    .addOption(
      new Option('--reason <reasons...>', 'only letters with one of these reasons').choices([
        ...new Set([...DEAD_LETTER_REASONS, ...RETRY_REASONS]),
      ]),
    )
    .option('--trip-id <ids...>', 'only letters of these trips')
    .addOption(new Option('--source <handlers...>', 'only letters written by these handlers').choices(HANDLER_NAMES))
    .option('--message-id <ids...>', 'only these SQS messages')
    .option('--from <date|instant>', 'only events the pipeline first saw at or after this UTC date or instant', parseFromBound)
    .option('--to <date|instant>', 'only events first seen up to this UTC date (included) or before this instant', parseToBound)
    .option(
      '--visibility-timeout <seconds>',
      'how long read letters stay hidden from other readers while the command runs',
      positiveInteger,
      READ_QUEUE_DEFAULTS.visibilityTimeoutSeconds,
    )
    .allowExcessArguments(false)
    .showSuggestionAfterError(false);
}

function filterOf(command: Command, options: CommonOptions): LetterFilter {
  const firstSeen: TimeWindow | undefined =
    options.from === undefined && options.to === undefined ? undefined : { from: options.from, before: options.to };
  if (firstSeen !== undefined) {
    try {
      assertOrdered(firstSeen);
    } catch (error) {
      command.error(`error: ${(error as Error).message}`);
    }
  }
  return {
    ...(options.reason === undefined ? {} : { reasons: options.reason }),
    ...(options.tripId === undefined ? {} : { tripIds: options.tripId }),
    ...(options.source === undefined ? {} : { sources: options.source }),
    ...(options.messageId === undefined ? {} : { messageIds: options.messageId }),
    ...(firstSeen === undefined ? {} : { firstSeen }),
  };
}

const TABLE_COLUMNS = ['message_id', 'reason', 'trip_id', 'source', 'attempts', 'first_seen_at', 'dead_lettered_at', 'redrivable'] as const;

function formatLetterTable(summaries: readonly LetterSummary[]): string {
  const cells = summaries.map((summary) => TABLE_COLUMNS.map((column) => String(summary[column] ?? '-')));
  const widths = TABLE_COLUMNS.map((column, index) => Math.max(column.length, ...cells.map((line) => line[index]?.length ?? 0)));
  const render = (values: readonly string[]) =>
    values
      .map((value, index) => value.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  return [render(TABLE_COLUMNS), render(widths.map((width) => '-'.repeat(width))), ...cells.map(render)].join('\n');
}

function countsByReason(summaries: readonly LetterSummary[]): string {
  const counts = new Map<string, number>();
  for (const summary of summaries) counts.set(summary.reason ?? 'unrecognized', (counts.get(summary.reason ?? 'unrecognized') ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([reason, count]) => `${reason} ${count}`)
    .join(', ');
}

/** The queues' URLs: the flags', or else the data stack's outputs. */
async function queueUrls(
  dependencies: DlqCommandDependencies,
  command: Command,
  options: CommonOptions & { retryQueueUrl?: string },
  needRetryQueue: boolean,
): Promise<{ deadLetterQueueUrl: string; retryQueueUrl?: string }> {
  const stack = chosenStack(command, options, 'data');
  const missing = options.queueUrl === undefined || (needRetryQueue && options.retryQueueUrl === undefined);
  if (!missing)
    return {
      deadLetterQueueUrl: options.queueUrl ?? '',
      ...(options.retryQueueUrl === undefined ? {} : { retryQueueUrl: options.retryQueueUrl }),
    };
  const keys = needRetryQueue ? [STACK_OUTPUTS.deadLetterQueueUrl, STACK_OUTPUTS.retryQueueUrl] : [STACK_OUTPUTS.deadLetterQueueUrl];
  const outputs = await stackOutputs(dependencies.cloudFormation(), stack, keys, 'the data stack');
  return {
    deadLetterQueueUrl: options.queueUrl ?? outputs[STACK_OUTPUTS.deadLetterQueueUrl] ?? '',
    ...(needRetryQueue ? { retryQueueUrl: options.retryQueueUrl ?? outputs[STACK_OUTPUTS.retryQueueUrl] ?? '' } : {}),
  };
}

export function buildDlqProgram(dependencies: DlqCommandDependencies): Command {
  const { writeOut, writeErr } = dependencies;
  let sqs: SQSClient | undefined;
  const sqsClient = (): SQSClient => (sqs ??= dependencies.sqs());

  /** Reads the queue, selects, hands the selection to `work`, and makes visible again whatever `work` did not delete. */
  async function withSelectedLetters(
    command: Command,
    options: CommonOptions & { retryQueueUrl?: string },
    needRetryQueue: boolean,
    work: (
      selected: { letter: QueuedLetter; summary: LetterSummary }[],
      urls: { deadLetterQueueUrl: string; retryQueueUrl?: string },
    ) => Promise<ReadonlySet<string>>,
  ): Promise<void> {
    const filter = filterOf(command, options);
    const urls = await queueUrls(dependencies, command, options, needRetryQueue);
    const letters = await readDeadLetterQueue(sqsClient(), urls.deadLetterQueueUrl, {
      ...READ_QUEUE_DEFAULTS,
      visibilityTimeoutSeconds: options.visibilityTimeout,
    });
    let deleted: ReadonlySet<string> = new Set();
    try {
      const selected = letters
        .map((letter) => ({ letter, summary: summarize(letter) }))
        .filter(({ summary }) => matchesFilter(summary, filter));
      deleted = await work(selected, urls);
    } finally {
      await releaseLetters(
        sqsClient(),
        urls.deadLetterQueueUrl,
        letters.filter((letter) => !deleted.has(letter.messageId)),
      );
    }
  }

  const program = new Command('dlq')
    .description('Inspect the dead-letter queue and redrive its letters through the retry queue.')
    .addHelpText(
      'after',
      [
        '',
        'AWS configuration is the standard one (AWS_REGION, AWS_PROFILE, credentials chain); AWS_ENDPOINT_URL_SQS /',
        'AWS_ENDPOINT_URL point it at an emulator. Letters that could not be redriven stay on the DLQ (exit 1).',
        'See docs/operations.md.',
      ].join('\n'),
    )
    .showSuggestionAfterError(false)
    // Before the subcommands are added, so they inherit it: their argument errors must throw, not exit.
    .exitOverride()
    .configureOutput({ writeOut, writeErr });
  withVersionAndExitCodes(program);

  const list = withSelection(program.command('list').description('one line per selected letter (or JSON with --json)')).option(
    '--json',
    'print the letters as a JSON array',
  );
  list.action(async (options: CommonOptions & { json?: boolean }) => {
    await withSelectedLetters(list, options, false, async (selected) => {
      const summaries = selected.map(({ summary }) => summary);
      if (options.json === true) writeOut(jsonText(summaries));
      else
        writeOut(
          `${formatLetterTable(summaries)}\n${summaries.length} letters${summaries.length === 0 ? '' : ` (${countsByReason(summaries)})`}\n`,
        );
      return new Set();
    });
  });

  // --json is accepted for the same flags everywhere; the whole letters are JSON either way.
  const show = withSelection(program.command('show').description('the whole selected letters, as a JSON array')).option(
    '--json',
    'print the letters as a JSON array (what show always prints)',
  );
  show.action(async (options: CommonOptions) => {
    await withSelectedLetters(show, options, false, async (selected) => {
      const whole = selected.map(({ letter }) => ({
        message_id: letter.messageId,
        sent_at: letter.sentAt,
        receive_count: letter.receiveCount,
        kind: letter.message.kind,
        body: parsedBody(letter.body),
      }));
      writeOut(jsonText(whole));
      return new Set();
    });
  });

  const redrive = withSelection(
    program.command('redrive').description("re-send the selected letters' events through the retry queue, each with a fresh retry budget"),
  )
    .option('--retry-queue-url <url>', `where redriven events go (default: the ${STACK_OUTPUTS.retryQueueUrl} output of --stack)`)
    .option('--dry-run', 'report what would be redriven, and change nothing')
    .option('--json', 'print the outcome of every letter as a JSON array');
  redrive.action(async (options: RedriveOptions) => {
    let failures = 0;
    await withSelectedLetters(redrive, options, true, async (selected, urls) => {
      const outcomes = await redriveLetters(
        { sqs: sqsClient(), deadLetterQueueUrl: urls.deadLetterQueueUrl, retryQueueUrl: urls.retryQueueUrl ?? '' },
        selected.map(({ letter }) => letter),
        options.dryRun === true,
      );
      if (options.json === true) writeOut(jsonText(outcomes));
      else writeOut(`${formatRedriveReport(outcomes, options.dryRun === true)}\n`);
      for (const outcome of outcomes) {
        if (outcome.status !== 'failed') continue;
        failures += 1;
        writeErr(`letter ${outcome.messageId}${outcome.tripId === null ? '' : ` (trip ${outcome.tripId})`}: ${outcome.detail}\n`);
      }
      return new Set(outcomes.filter((outcome) => outcome.status === 'redriven').map((outcome) => outcome.messageId));
    });
    if (failures > 0) throw new IncompleteWorkError(`${failures} letters could not be redriven; they stay on the dead-letter queue`);
  });
  return program;
}

function parsedBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

function formatRedriveReport(outcomes: readonly RedriveOutcome[], dryRun: boolean): string {
  const count = (status: RedriveOutcome['status']) => outcomes.filter((outcome) => outcome.status === status).length;
  const lines = [
    dryRun
      ? `dry run: ${count('would-redrive')} letters would be redriven through the retry queue; nothing was sent or deleted`
      : `redriven: ${count('redriven')} letters sent to the retry queue and deleted from the DLQ`,
  ];
  const left = outcomes.filter((outcome) => outcome.status === 'left');
  if (left.length > 0) lines.push(`left on the DLQ (no replayable event): ${left.length}`);
  for (const outcome of left)
    lines.push(
      `  ${outcome.messageId}${outcome.tripId === null ? '' : ` trip ${outcome.tripId}`}: ${outcome.status === 'left' ? outcome.detail : ''}`,
    );
  if (count('failed') > 0) lines.push(`failed (left on the DLQ): ${count('failed')}`);
  return lines.join('\n');
}

export function dlqCommand(): Command {
  return buildDlqProgram({
    sqs: () => withRequestCounting(new SQSClient({ ...clientOptions('sqs') })),
    cloudFormation: () => withRequestCounting(new CloudFormationClient({ ...clientOptions('cloudformation') })),
    writeOut: (text) => process.stdout.write(text),
    writeErr: (text) => process.stderr.write(text),
  });
}
