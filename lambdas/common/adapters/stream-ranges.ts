/**
 * Reads a Kinesis shard's records back by sequence range, while they are within the stream's retention.
 * Never the trips table's stream: it allows two readers per shard, its two consumers
 * (docs/adr/0008-live-metrics-per-shard-partials.md). Bounded: it stops past the range's end, at the end of the data, or after
 * a fixed number of reads.
 */
import {
  GetShardIteratorCommand as GetKinesisIterator,
  GetRecordsCommand as GetKinesisRecords,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';

/** A shard's records from one sequence number to another, both included. */
export interface SequenceRange {
  readonly streamArn: string;
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
}

// Sequence numbers are decimal integers too long for a double.
function inRange(range: SequenceRange, sequenceNumber: string): boolean {
  const value = BigInt(sequenceNumber);
  return value >= BigInt(range.startSequenceNumber) && value <= BigInt(range.endSequenceNumber);
}

function pastRange(range: SequenceRange, sequenceNumber: string): boolean {
  return BigInt(sequenceNumber) > BigInt(range.endSequenceNumber);
}

/**
 * `arn:aws:kinesis:<region>:<account>:stream/<name>` -> `<name>`. By name rather than StreamARN: the
 * function reads streams of its own account, and emulators know the older parameter only.
 */
function kinesisStreamName(streamArn: string): string {
  const name = /:stream\/([^/]+)$/.exec(streamArn)?.[1];
  if (name === undefined) throw new Error(`${streamArn} is not a Kinesis stream ARN`);
  return name;
}

/** A range holds at most one batch (10,000 records at most); a few reads more allow for empty pages. */
const MAX_READS = 50;

export interface KinesisRangeRecord {
  readonly sequenceNumber: string;
  readonly data: Uint8Array;
  readonly arrivalMs: number;
}

export class StreamRanges {
  constructor(private readonly kinesis: KinesisClient) {}

  async kinesisRecords(range: SequenceRange): Promise<KinesisRangeRecord[]> {
    const { ShardIterator: first } = await this.kinesis.send(
      new GetKinesisIterator({
        StreamName: kinesisStreamName(range.streamArn),
        ShardId: range.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: range.startSequenceNumber,
      }),
    );
    const found: KinesisRangeRecord[] = [];
    let iterator = first;
    for (let reads = 0; iterator !== undefined && reads < MAX_READS; reads += 1) {
      const page = await this.kinesis.send(new GetKinesisRecords({ ShardIterator: iterator }));
      for (const record of page.Records ?? []) {
        const sequenceNumber = record.SequenceNumber ?? '';
        if (sequenceNumber === '' || pastRange(range, sequenceNumber)) return found;
        if (inRange(range, sequenceNumber)) {
          found.push({
            sequenceNumber,
            data: record.Data ?? new Uint8Array(),
            arrivalMs: record.ApproximateArrivalTimestamp?.getTime() ?? Number.NaN,
          });
        }
      }
      // An empty page means the end only once the range has begun: an open shard may answer empty pages first.
      if ((page.Records ?? []).length === 0 && found.length > 0 && page.MillisBehindLatest === 0) return found;
      iterator = page.NextShardIterator;
    }
    return found;
  }
}
