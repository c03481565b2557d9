/**
 * Reads a whole Kinesis stream back from TRIM_HORIZON, every shard: what was sent, as the ledger (and any
 * replay of a run) needs it. Bounded by the stream's size: each shard is read until it is caught up.
 */
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';

export interface ReadBackRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: Uint8Array;
  readonly arrivalMs: number;
}

const MAX_EMPTY_READS = 3;

export async function readWholeStream(kinesis: KinesisClient, streamName: string): Promise<ReadBackRecord[]> {
  const { Shards: shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
  const records: ReadBackRecord[] = [];
  for (const shard of shards) {
    const shardId = shard.ShardId ?? '';
    const { ShardIterator: first } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    let iterator = first;
    let emptyReads = 0;
    while (iterator !== undefined && emptyReads < MAX_EMPTY_READS) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      const pageRecords = page.Records ?? [];
      for (const record of pageRecords) {
        records.push({
          shardId,
          sequenceNumber: record.SequenceNumber ?? '',
          partitionKey: record.PartitionKey ?? '',
          data: record.Data ?? new Uint8Array(),
          arrivalMs: record.ApproximateArrivalTimestamp?.getTime() ?? Number.NaN,
        });
      }
      emptyReads = pageRecords.length === 0 ? emptyReads + 1 : 0;
      if (pageRecords.length === 0 && page.MillisBehindLatest === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return records;
}
