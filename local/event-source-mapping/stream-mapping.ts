/**
 * Stream event source mappings (Kinesis and DynamoDB Streams) driven the way Lambda drives them: every
 * shard polled from TRIM_HORIZON with GetShardIterator/GetRecords, the mapping's filter applied before
 * batching, one batch per shard at a time, and the checkpoint, retry, bisect, record-age and on-failure
 * rules of ShardBatcher.
 */

import { setTimeout as wait } from 'node:timers/promises';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand as GetStreamRecordsCommand,
  GetShardIteratorCommand as GetStreamShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import {
  GetRecordsCommand as GetKinesisRecordsCommand,
  GetShardIteratorCommand as GetKinesisShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord, KinesisStreamRecord } from 'aws-lambda';
import { errorText } from '../../domain/error-text';
import type { StreamMappingSettings } from '../../lib/config';
import type { InvocationResult, LocalInvoker, RecordView } from './invoker';
import { dynamoDbRecord, kinesisRecord, onFailureInvocationRecord } from './lambda-events';
import {
  type BatchOutcome,
  type BatchWindowing,
  type DiscardedBatch,
  outcomeFromResponse,
  type SequencedRecord,
  ShardBatcher,
} from './shard-batcher';

/**
 * How often an idle shard is polled. Lambda polls about once a second; shorter keeps local runs quick, and
 * the done detector waits for one such poll of every shard.
 */
const SHARD_POLL_INTERVAL_MS = 100;
/** Records read ahead of the batch being processed, per shard. */
const READ_AHEAD_RECORDS = 10_000;
/** Consecutive failed reads of a shard before the run gives up. */
const MAX_CONSECUTIVE_READ_ERRORS = 20;

export interface StreamRecordEntry<L> extends SequencedRecord {
  readonly lambdaRecord: L;
}

/** A record as a tumbling-window mapping holds it: with the window it was read in. */
interface WindowedEntry<L> extends StreamRecordEntry<L> {
  readonly windowStartMs: number;
}

/** Lambda ends a tumbling window early once its state passes 1 MB. */
const MAX_WINDOW_STATE_BYTES = 1024 * 1024;

/** One shard's open tumbling window: its state, and the records it holds (discarded together if it cannot close). */
interface OpenWindow<L> {
  readonly startMs: number;
  readonly endMs: number;
  state: unknown;
  readonly records: StreamRecordEntry<L>[];
  finalFailures: number;
}

/** One shard as the poller sees it: reads return Lambda-shaped records in order. */
export interface ShardReader<L> {
  readonly shardId: string;
  /**
   * The next page of records; caughtUp when nothing more is there to read now (an empty page alone does not
   * say so on Kinesis, MillisBehindLatest does); endOfShard once a closed shard has been read to its end.
   */
  read(): Promise<{ entries: StreamRecordEntry<L>[]; caughtUp: boolean; endOfShard: boolean }>;
}

export interface StreamMappingOptions<L> {
  /** The key the invoker knows the function by. */
  readonly handler: string;
  readonly kind: 'kinesis' | 'dynamodb';
  readonly region: string;
  readonly functionName: string;
  readonly streamArn: string;
  readonly settings: StreamMappingSettings;
  // Only `invoke` is needed, so tests can stand a fake function in for the in-process one.
  readonly invoker: Pick<LocalInvoker, 'invoke'>;
  readonly view: RecordView<L>;
  /** The mapping's FilterCriteria: records it rejects are skipped before batching, as on AWS. */
  readonly filter?: (record: L) => boolean;
  /** The on-failure destination (an SQS queue URL) and the client to send to it. */
  readonly onFailure: { readonly sqs: SQSClient; readonly queueUrl: string };
  readonly listShards: () => Promise<ShardReader<L>[]>;
  /** When set, shards are listed again this often (DynamoDB Streams opens new shards over time). */
  readonly rediscoverEveryMs?: number;
  /** Readers of the stream's shards so far, where the stream limits them (DynamoDB Streams: two per shard). */
  readonly readers?: ShardReaderLimit;
  /**
   * Told, with a tumbling window's records, the moment its final invocation succeeded: what the window counted
   * is written then (the local run measures the live metrics' freshness from it).
   */
  readonly onWindowClosed?: (records: readonly L[], closedAtMs: number) => void;
}

/**
 * How many processes read each shard of a stream at once, where the service limits them: DynamoDB Streams
 * throttles more than two per shard (Lambda developer guide, "Simultaneous readers of a shard"). A reader
 * beyond the limit is refused, so a design with a third reader fails locally instead of being throttled on AWS.
 */
export class ShardReaderLimit {
  private readonly readers = new Map<string, Set<string>>();

  constructor(
    readonly streamArn: string,
    readonly maxReadersPerShard: number,
  ) {}

  /** Registers `reader` on a shard (a split shard's parts count as their shard); throws when that is one too many. */
  acquire(shardId: string, reader: string): void {
    const shard = physicalShardOf(shardId);
    const readers = this.readers.get(shard) ?? new Set<string>();
    if (!readers.has(reader) && readers.size >= this.maxReadersPerShard) {
      throw new Error(
        `${reader} would be reader ${readers.size + 1} of shard ${shard} of ${this.streamArn}; the stream allows ${this.maxReadersPerShard} ` +
          `(already ${[...readers].join(', ')})`,
      );
    }
    this.readers.set(shard, readers.add(reader));
  }

  /** The most readers any shard has now. */
  get mostReaders(): number {
    return Math.max(0, ...[...this.readers.values()].map((readers) => readers.size));
  }
}

/** The shard a part of a split shard (`<shardId>#<part>`, splitShards) belongs to. */
function physicalShardOf(shardId: string): string {
  const separator = shardId.indexOf('#');
  return separator < 0 ? shardId : shardId.slice(0, separator);
}

interface ShardState {
  idle: boolean;
  /** A tumbling window whose final invocation has not succeeded yet keeps the shard busy. */
  finished: boolean;
  /** When the last read that found the shard caught up began (ms since epoch); 0 before any. */
  caughtUpReadStartedAt: number;
}

export class StreamMapping<L> {
  private stopping = false;
  private readonly stopped = new AbortController();
  private readonly shards = new Map<string, ShardState>();
  private readonly loops: Promise<void>[] = [];
  private discovery: Promise<void> | undefined;
  private failure: Error | undefined;
  private recordsRead = 0;
  private lastDiscoveryStartedAt = 0;

  constructor(private readonly options: StreamMappingOptions<L>) {}

  async start(): Promise<void> {
    await this.discoverShards();
    if (this.options.rediscoverEveryMs !== undefined) this.discovery = this.rediscoverLoop(this.options.rediscoverEveryMs);
  }

  /** True when every shard is read to the end with nothing buffered or in flight. */
  get idle(): boolean {
    return [...this.shards.values()].every((shard) => shard.idle || shard.finished);
  }

  /** A read or delivery problem the run cannot recover from, if one happened. */
  get error(): Error | undefined {
    return this.failure;
  }

  /**
   * True when everything written to the stream before `sinceMs` has been read: every shard is idle after a
   * read that began at or after `sinceMs`, and (where shards come and go) the shards were listed since then.
   */
  settledSince(sinceMs: number): boolean {
    if (this.options.rediscoverEveryMs !== undefined && this.lastDiscoveryStartedAt < sinceMs) return false;
    return [...this.shards.values()].every((shard) => shard.finished || (shard.idle && shard.caughtUpReadStartedAt >= sinceMs));
  }

  /** Lists the shards now instead of at the next rediscovery, so the done detector need not wait for it. */
  async discoverNow(): Promise<void> {
    if (this.options.rediscoverEveryMs === undefined) return;
    await this.discoverShards();
  }

  /** Grows with every record read: the done detector's measure of activity. */
  get activity(): number {
    return this.recordsRead;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    await this.discovery;
    await Promise.all(this.loops);
  }

  private async rediscoverLoop(everyMs: number): Promise<void> {
    while (!this.stopping) {
      // Stopping ends the wait at once, so a run need not wait out a rediscovery interval to finish.
      const waited = await wait(everyMs, true, { signal: this.stopped.signal }).catch(() => false);
      if (!waited || this.stopping) return;
      try {
        await this.discoverShards();
      } catch (error) {
        this.failure ??= asError(error, `listing the shards of ${this.options.streamArn} failed`);
      }
    }
  }

  private async discoverShards(): Promise<void> {
    const startedAt = Date.now();
    for (const reader of await this.options.listShards()) {
      if (this.shards.has(reader.shardId)) continue;
      this.options.readers?.acquire(reader.shardId, this.options.handler);
      const state: ShardState = { idle: false, finished: false, caughtUpReadStartedAt: 0 };
      this.shards.set(reader.shardId, state);
      this.loops.push(this.runShard(reader, state));
    }
    this.lastDiscoveryStartedAt = Math.max(this.lastDiscoveryStartedAt, startedAt);
  }

  private async runShard(reader: ShardReader<L>, state: ShardState): Promise<void> {
    const batcher = new ShardBatcher<WindowedEntry<L>>(this.options.settings);
    const windowMs =
      this.options.settings.tumblingWindowSeconds === undefined ? undefined : this.options.settings.tumblingWindowSeconds * 1000;
    // Locally a record's window is the one it was read in: DynamoDB Local stamps records to the second, too
    // coarse for scaled windows, and reading follows insertion by one poll.
    const windowing: BatchWindowing<WindowedEntry<L>> | undefined =
      windowMs === undefined
        ? undefined
        : { windowOf: (entry) => entry.windowStartMs, isClosed: (startMs) => Date.now() >= startMs + windowMs };
    let open: OpenWindow<L> | undefined;
    let endOfShard = false;
    let readErrors = 0;
    while (!this.stopping && this.failure === undefined) {
      let caughtUp = endOfShard;
      let readStartedAt = 0;
      if (!endOfShard && batcher.bufferedCount < READ_AHEAD_RECORDS) {
        try {
          readStartedAt = Date.now();
          const read = await reader.read();
          readErrors = 0;
          endOfShard = read.endOfShard;
          this.recordsRead += read.entries.length;
          const accepted =
            this.options.filter === undefined ? read.entries : read.entries.filter((entry) => this.options.filter?.(entry.lambdaRecord));
          const readAt = Date.now();
          const windowStartMs = windowMs === undefined ? 0 : Math.floor(readAt / windowMs) * windowMs;
          batcher.add(
            accepted.map((entry) => ({ ...entry, windowStartMs })),
            readAt,
          );
          caughtUp = read.caughtUp;
        } catch (error) {
          readErrors += 1;
          if (readErrors >= MAX_CONSECUTIVE_READ_ERRORS) {
            this.failure = asError(error, `reading shard ${reader.shardId} of ${this.options.streamArn} failed ${readErrors} times`);
            return;
          }
        }
      }
      const expired = batcher.takeExpired(Date.now());
      if (expired !== null) await this.discard(reader.shardId, expired, false);

      const batch = batcher.nextBatch(Date.now(), windowing);
      const windowed = batch?.[0]?.windowStartMs;
      if (windowMs !== undefined && open !== undefined && (windowed === undefined ? Date.now() >= open.endMs : windowed !== open.startMs)) {
        state.idle = false;
        open = await this.closeWindow(reader.shardId, open, false);
        continue;
      }
      if (batch !== null) {
        state.idle = false;
        if (windowMs !== undefined && windowed !== undefined)
          open ??= { startMs: windowed, endMs: windowed + windowMs, state: {}, records: [], finalFailures: 0 };
        const result = await this.options.invoker.invoke(
          this.options.handler,
          batch.map((entry) => entry.lambdaRecord),
          this.options.view,
          open === undefined ? {} : this.windowFields(reader.shardId, open, false, false),
        );
        const outcome =
          open === undefined
            ? result.ok
              ? outcomeFromResponse(result.response)
              : { kind: 'error' as const }
            : this.windowOutcome(result, open, batch);
        const discarded = batcher.complete(batch, outcome);
        if (discarded !== null) await this.discard(reader.shardId, discarded, !result.ok);
        if (open !== undefined && JSON.stringify(open.state).length > MAX_WINDOW_STATE_BYTES)
          open = await this.closeWindow(reader.shardId, open, true);
        continue;
      }
      state.idle = caughtUp && batcher.bufferedCount === 0 && open === undefined;
      if (state.idle && readStartedAt > 0) state.caughtUpReadStartedAt = readStartedAt;
      if (endOfShard && batcher.bufferedCount === 0 && open === undefined) {
        state.finished = true;
        return;
      }
      const untilWindowEnds = open === undefined ? SHARD_POLL_INTERVAL_MS : Math.max(0, open.endMs - Date.now());
      await sleep(Math.min(SHARD_POLL_INTERVAL_MS, untilWindowEnds, batcher.msUntilReady(Date.now()) ?? SHARD_POLL_INTERVAL_MS));
    }
  }

  /** The fields a tumbling-window invocation carries beside its records (Lambda developer guide). */
  private windowFields(shardId: string, open: OpenWindow<L>, final: boolean, terminatedEarly: boolean): Record<string, unknown> {
    return {
      window: { start: new Date(open.startMs).toISOString(), end: new Date(open.endMs).toISOString() },
      state: open.state,
      shardId,
      eventSourceARN: this.options.streamArn,
      isFinalInvokeForWindow: final,
      isWindowTerminatedEarly: terminatedEarly,
    };
  }

  /**
   * A tumbling-window invocation's answer: without a `state` object it failed (as on AWS). Otherwise the
   * state is kept for the window's next invocation, with the records it answered for.
   */
  private windowOutcome(result: InvocationResult, open: OpenWindow<L>, batch: readonly WindowedEntry<L>[]): BatchOutcome {
    if (!result.ok) return { kind: 'error' };
    const response: unknown = result.response;
    const returned = typeof response === 'object' && response !== null ? (response as { state?: unknown }).state : undefined;
    if (typeof returned !== 'object' || returned === null) return { kind: 'error' };
    const outcome = outcomeFromResponse(response);
    const failedFrom =
      outcome.kind === 'partial' ? batch.findIndex((entry) => outcome.failedIdentifiers.includes(entry.sequenceNumber)) : -1;
    open.state = returned;
    open.records.push(...(failedFrom < 0 ? batch : batch.slice(0, failedFrom)));
    return outcome;
  }

  /**
   * The window's final invocation (no records; the state). Success closes the window, or, when it was cut
   * short at 1 MB, goes on with a fresh state. A failure is retried; once it has failed retryAttempts + 1
   * times the window's records go to the on-failure destination, as a batch that cannot succeed does.
   */
  private async closeWindow(shardId: string, open: OpenWindow<L>, terminatedEarly: boolean): Promise<OpenWindow<L> | undefined> {
    const result = await this.options.invoker.invoke(
      this.options.handler,
      [],
      this.options.view,
      this.windowFields(shardId, open, true, terminatedEarly),
    );
    const response: unknown = result.ok ? result.response : undefined;
    const answered = typeof response === 'object' && response !== null && typeof (response as { state?: unknown }).state === 'object';
    if (answered) {
      this.options.onWindowClosed?.(
        open.records.map((entry) => entry.lambdaRecord),
        Date.now(),
      );
      return terminatedEarly ? { ...open, state: {}, records: [], finalFailures: 0 } : undefined;
    }
    open.finalFailures += 1;
    const retryAttempts = this.options.settings.retryAttempts;
    if (retryAttempts < 0 || open.finalFailures <= retryAttempts) return open;
    if (open.records.length > 0)
      await this.discard(shardId, { records: open.records, condition: 'RetryAttemptsExhausted', invokeCount: open.finalFailures }, true);
    return undefined;
  }

  private async discard(shardId: string, discarded: DiscardedBatch<StreamRecordEntry<L>>, functionError: boolean): Promise<void> {
    const record = onFailureInvocationRecord(
      {
        kind: this.options.kind,
        region: this.options.region,
        functionName: this.options.functionName,
        streamArn: this.options.streamArn,
        shardId,
        condition: discarded.condition,
        invokeCount: discarded.invokeCount,
        functionError,
        records: discarded.records,
      },
      new Date(),
    );
    try {
      await this.options.onFailure.sqs.send(
        new SendMessageCommand({ QueueUrl: this.options.onFailure.queueUrl, MessageBody: JSON.stringify(record) }),
      );
    } catch (error) {
      this.failure ??= asError(error, `sending an on-failure record for ${this.options.handler} failed`);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function asError(error: unknown, context: string): Error {
  return new Error(`${context}: ${errorText(error)}`, { cause: error });
}

/** Every shard of a Kinesis stream, each read from TRIM_HORIZON. */
export function kinesisShards(kinesis: KinesisClient, stream: { name: string; arn: string }, region: string, functionName: string) {
  return async (): Promise<ShardReader<KinesisStreamRecord>[]> => {
    const shards: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await kinesis.send(
        new ListShardsCommand(nextToken === undefined ? { StreamName: stream.name } : { NextToken: nextToken }),
      );
      for (const shard of page.Shards ?? []) if (shard.ShardId !== undefined) shards.push(shard.ShardId);
      nextToken = page.NextToken;
    } while (nextToken !== undefined);
    return shards.map((shardId) => {
      let iterator: string | undefined;
      let fresh = true;
      let lastSequenceNumber: string | undefined;
      return {
        shardId,
        read: async () => {
          // A fresh iterator after every empty page, from the last record read: kinesalite points the next
          // iterator of an empty page at "now", which skips records whose PutRecords was still being written
          // (their sequence numbers are older than that). Lambda's poller sees every record; so must this one.
          // AT the last record, dropping what was read already: emulators differ on where AFTER starts.
          if (fresh) {
            const { ShardIterator } = await kinesis.send(
              new GetKinesisShardIteratorCommand(
                lastSequenceNumber === undefined
                  ? { StreamName: stream.name, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }
                  : {
                      StreamName: stream.name,
                      ShardId: shardId,
                      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
                      StartingSequenceNumber: lastSequenceNumber,
                    },
              ),
            );
            iterator = ShardIterator;
            fresh = false;
          }
          if (iterator === undefined) return { entries: [], caughtUp: true, endOfShard: true };
          const page = await kinesis.send(new GetKinesisRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
          iterator = page.NextShardIterator;
          const readUpTo = lastSequenceNumber === undefined ? undefined : BigInt(lastSequenceNumber);
          const unread = (page.Records ?? []).filter((record) => readUpTo === undefined || BigInt(record.SequenceNumber ?? '0') > readUpTo);
          lastSequenceNumber = unread.at(-1)?.SequenceNumber ?? lastSequenceNumber;
          fresh = iterator !== undefined && unread.length === 0;
          const source = { region, streamArn: stream.arn, shardId, functionName };
          const entries = unread.map((record) => {
            const lambdaRecord = kinesisRecord(source, record);
            return {
              sequenceNumber: lambdaRecord.kinesis.sequenceNumber,
              arrivalMs: record.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
              lambdaRecord,
            };
          });
          return { entries, caughtUp: entries.length === 0 && (page.MillisBehindLatest ?? 0) === 0, endOfShard: iterator === undefined };
        },
      };
    });
  };
}

/**
 * Every shard of a DynamoDB stream, from TRIM_HORIZON. A child shard is read only once its parent has been
 * read to the end, so an item's changes stay in order across shard splits, as Lambda guarantees.
 */
export function dynamoDbStreamShards(streams: DynamoDBStreamsClient, streamArn: string, region: string) {
  const finishedShards = new Set<string>();
  return async (): Promise<ShardReader<DynamoDBRecord>[]> => {
    const shards: { shardId: string; parentShardId: string | undefined }[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription: description } = await streams.send(
        new DescribeStreamCommand({
          StreamArn: streamArn,
          ...(exclusiveStartShardId === undefined ? {} : { ExclusiveStartShardId: exclusiveStartShardId }),
        }),
      );
      for (const shard of description?.Shards ?? []) {
        if (shard.ShardId !== undefined) shards.push({ shardId: shard.ShardId, parentShardId: shard.ParentShardId });
      }
      exclusiveStartShardId = description?.LastEvaluatedShardId;
    } while (exclusiveStartShardId !== undefined);
    const known = new Set(shards.map((shard) => shard.shardId));
    return shards.map(({ shardId, parentShardId }) => {
      let iterator: string | undefined;
      let started = false;
      const source = { region, streamArn };
      return {
        shardId,
        read: async () => {
          if (!started) {
            const parentPending = parentShardId !== undefined && known.has(parentShardId) && !finishedShards.has(parentShardId);
            if (parentPending) return { entries: [], caughtUp: true, endOfShard: false };
            const { ShardIterator } = await streams.send(
              new GetStreamShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
            );
            iterator = ShardIterator;
            started = true;
          }
          if (iterator === undefined) {
            finishedShards.add(shardId);
            return { entries: [], caughtUp: true, endOfShard: true };
          }
          const page = await streams.send(new GetStreamRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
          iterator = page.NextShardIterator;
          if (iterator === undefined) finishedShards.add(shardId);
          const entries = (page.Records ?? []).map((record) => {
            const lambdaRecord = dynamoDbRecord(source, record);
            return {
              sequenceNumber: lambdaRecord.dynamodb?.SequenceNumber ?? '',
              arrivalMs: record.dynamodb?.ApproximateCreationDateTime?.getTime() ?? Date.now(),
              lambdaRecord,
            };
          });
          return { entries, caughtUp: entries.length === 0, endOfShard: iterator === undefined };
        },
      };
    });
  };
}

/**
 * Presents each shard as `count` shards, records spread by `keyOf` (for a DynamoDB stream, the item's key, as
 * DynamoDB spreads items over partitions and their stream shards): so `count` consumers of each mapping run
 * at once, each seeing its keys' records in order. DynamoDB Local has one stream shard at a time; AWS has one
 * per table partition. The shard's records are read once and handed to its parts; a part reads again only
 * once it has handed over all it was given, after any read in flight, so "caught up" still means a read
 * begun after the call found nothing new.
 */
export function splitShards<L>(
  listShards: () => Promise<ShardReader<L>[]>,
  count: number,
  keyOf: (record: L) => string,
): () => Promise<ShardReader<L>[]> {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`a shard is split into a positive whole number of parts, got ${count}`);
  if (count === 1) return listShards;
  const split = new Map<string, ShardReader<L>[]>();
  return async () => {
    const readers = await listShards();
    return readers.flatMap((reader) => {
      const known = split.get(reader.shardId);
      if (known !== undefined) return known;
      const queues: StreamRecordEntry<L>[][] = Array.from({ length: count }, () => []);
      let reading: Promise<{ caughtUp: boolean; endOfShard: boolean }> = Promise.resolve({ caughtUp: false, endOfShard: false });
      const readOnce = (): Promise<{ caughtUp: boolean; endOfShard: boolean }> => {
        reading = reading.then(async (previous) => {
          if (previous.endOfShard) return previous;
          const page = await reader.read();
          for (const entry of page.entries) queues[partOf(keyOf(entry.lambdaRecord), count)]?.push(entry);
          return { caughtUp: page.caughtUp, endOfShard: page.endOfShard };
        });
        return reading;
      };
      const parts = queues.map(
        (queue, part): ShardReader<L> => ({
          // Shard ids as AWS spells them never hold '#': the part's id names its shard.
          shardId: `${reader.shardId}#${part}`,
          read: async () => {
            const status = queue.length === 0 ? await readOnce() : { caughtUp: false, endOfShard: false };
            const entries = queue.splice(0);
            return { entries, caughtUp: entries.length === 0 && status.caughtUp, endOfShard: entries.length === 0 && status.endOfShard };
          },
        }),
      );
      split.set(reader.shardId, parts);
      return parts;
    });
  };
}

/** A stable part for a key (FNV-1a), the same in every run. */
function partOf(key: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index += 1) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % count;
}
