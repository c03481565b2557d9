/**
 * The record Lambda sends to a stream mapping's on-failure destination when it gives up on records
 * (retries spent, records too old): a pointer to a shard's sequence range, not the records. Parsed here so
 * the range can be read back and every record in it dead-lettered with its full payload.
 */

import { HANDLER_NAMES, type HandlerName } from '../../domain/envelopes';
import * as z from '../../domain/validation';
import type { SequenceRange } from '../common/adapters/stream-ranges';

const batchInfoSchema = z.object({
  shardId: z.string().check(z.minLength(1)),
  startSequenceNumber: z.string().check(z.regex(/^\d+$/)),
  endSequenceNumber: z.string().check(z.regex(/^\d+$/)),
  batchSize: z.number().check(z.int(), z.positive()),
  streamArn: z.string().check(z.minLength(1)),
});

export const invocationRecordSchema = z
  .object({
    requestContext: z.object({
      functionArn: z.string().check(z.minLength(1)),
      condition: z.string(),
      approximateInvokeCount: z.number().check(z.int(), z.nonnegative()),
    }),
    timestamp: z.string(),
    KinesisBatchInfo: z.optional(batchInfoSchema),
    DDBStreamBatchInfo: z.optional(batchInfoSchema),
  })
  .check(
    z.refine((record) => (record.KinesisBatchInfo === undefined) !== (record.DDBStreamBatchInfo === undefined), {
      message: 'must carry exactly one of KinesisBatchInfo and DDBStreamBatchInfo',
    }),
  );
export type InvocationRecord = z.infer<typeof invocationRecordSchema>;

export interface DiscardedRange extends SequenceRange {
  readonly stream: 'kinesis' | 'dynamodb';
  readonly batchSize: number;
  /** The handler whose mapping gave up, from the function's name (`<prefix>-<handler>`). */
  readonly source: HandlerName;
  readonly why: string;
}

export function discardedRange(record: InvocationRecord): DiscardedRange {
  const kinesis = record.KinesisBatchInfo;
  const info = kinesis ?? record.DDBStreamBatchInfo;
  if (info === undefined) throw new Error('unreachable: the schema requires one batch info');
  // arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
  const functionName = record.requestContext.functionArn.split(':')[6] ?? '';
  const source = HANDLER_NAMES.find((name) => functionName.endsWith(`-${name}`)) ?? 'failed-batches';
  return {
    stream: kinesis === undefined ? 'dynamodb' : 'kinesis',
    streamArn: info.streamArn,
    shardId: info.shardId,
    startSequenceNumber: info.startSequenceNumber,
    endSequenceNumber: info.endSequenceNumber,
    batchSize: info.batchSize,
    source,
    why: `the ${functionName} mapping gave up on it (${record.requestContext.condition}, ${record.requestContext.approximateInvokeCount} invocations)`,
  };
}
