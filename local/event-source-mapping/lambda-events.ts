/**
 * Lambda's event, context and on-failure record shapes, built from what the emulators return, exactly as
 * AWS hands them to a function. Pure: the pollers feed them SDK output.
 */
import { randomUUID } from 'node:crypto';
import type { AttributeValue as StreamsAttributeValue, _Record as StreamsSdkRecord } from '@aws-sdk/client-dynamodb-streams';
import type { _Record as KinesisSdkRecord } from '@aws-sdk/client-kinesis';
import type { Message } from '@aws-sdk/client-sqs';
import type { AttributeValue, Context, DynamoDBRecord, KinesisStreamRecord, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import type { DiscardCondition } from './shard-batcher';

const LOCAL_ACCOUNT_ID = '000000000000';

function functionArn(region: string, functionName: string): string {
  return `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${functionName}`;
}

function executionRoleArn(functionName: string): string {
  return `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/${functionName}-role`;
}

export interface KinesisSource {
  readonly region: string;
  readonly streamArn: string;
  readonly shardId: string;
  readonly functionName: string;
}

export function kinesisRecord(source: KinesisSource, record: KinesisSdkRecord): KinesisStreamRecord {
  const sequenceNumber = requireField(record.SequenceNumber, 'Kinesis record without SequenceNumber');
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: requireField(record.PartitionKey, 'Kinesis record without PartitionKey'),
      sequenceNumber,
      data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
      approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${source.shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: executionRoleArn(source.functionName),
    awsRegion: source.region,
    eventSourceARN: source.streamArn,
  };
}

export interface DynamoDbStreamSource {
  readonly region: string;
  readonly streamArn: string;
}

/**
 * Lambda's DynamoDB record: the SDK's record with ApproximateCreationDateTime in epoch seconds, binary
 * attributes in base64, and the stream ARN and region added.
 */
export function dynamoDbRecord(source: DynamoDbStreamSource, record: StreamsSdkRecord): DynamoDBRecord {
  const stream = record.dynamodb;
  if (stream === undefined) throw new Error('DynamoDB stream record without a dynamodb section');
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: source.region,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor((stream.ApproximateCreationDateTime?.getTime() ?? Date.now()) / 1000),
      Keys: imageOf(stream.Keys),
      NewImage: imageOf(stream.NewImage),
      OldImage: imageOf(stream.OldImage),
      SequenceNumber: stream.SequenceNumber,
      SizeBytes: stream.SizeBytes,
      StreamViewType: stream.StreamViewType,
    },
    eventSourceARN: source.streamArn,
    ...(record.userIdentity === undefined ? {} : { userIdentity: record.userIdentity }),
  };
}

function imageOf(image: Record<string, StreamsAttributeValue> | undefined): Record<string, AttributeValue> | undefined {
  if (image === undefined) return undefined;
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, attributeOf(value)]));
}

function attributeOf(value: StreamsAttributeValue): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BS !== undefined) return { BS: value.BS.map((item) => Buffer.from(item).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(attributeOf) };
  if (value.M !== undefined) {
    return { M: Object.fromEntries(Object.entries(value.M).map(([name, item]) => [name, attributeOf(item)])) };
  }
  throw new Error(`unsupported DynamoDB attribute value ${JSON.stringify(value)}`);
}

export interface QueueSource {
  readonly region: string;
  readonly queueArn: string;
}

export function sqsRecord(source: QueueSource, message: Message): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: requireField(message.MessageId, 'SQS message without MessageId'),
    receiptHandle: requireField(message.ReceiptHandle, 'SQS message without ReceiptHandle'),
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? LOCAL_ACCOUNT_ID,
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(attributes.AWSTraceHeader === undefined ? {} : { AWSTraceHeader: attributes.AWSTraceHeader }),
    },
    messageAttributes: messageAttributesOf(message),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes === undefined ? {} : { md5OfMessageAttributes: message.MD5OfMessageAttributes }),
    eventSource: 'aws:sqs',
    eventSourceARN: source.queueArn,
    awsRegion: source.region,
  };
}

function messageAttributesOf(message: Message): SQSMessageAttributes {
  return Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).map(([name, attribute]) => [
      name,
      {
        dataType: attribute.DataType ?? 'String',
        ...(attribute.StringValue === undefined ? {} : { stringValue: attribute.StringValue }),
        ...(attribute.BinaryValue === undefined ? {} : { binaryValue: Buffer.from(attribute.BinaryValue).toString('base64') }),
        stringListValues: attribute.StringListValues ?? [],
        binaryListValues: (attribute.BinaryListValues ?? []).map((item) => Buffer.from(item).toString('base64')),
      },
    ]),
  );
}

export interface FunctionIdentity {
  readonly region: string;
  readonly functionName: string;
  readonly memorySizeMb: number;
}

/** A Context as Lambda passes it; getRemainingTimeInMillis counts down from the configured timeout. */
export function lambdaContext(identity: FunctionIdentity, deadlineMs: number): Context {
  const awsRequestId = randomUUID();
  const fail = (): never => {
    throw new Error('context.done/fail/succeed are not available to async handlers');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: identity.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn(identity.region, identity.functionName),
    memoryLimitInMB: String(identity.memorySizeMb),
    awsRequestId,
    logGroupName: `/aws/lambda/${identity.functionName}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${awsRequestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done: fail,
    fail,
    succeed: fail,
  };
}

export interface DiscardedStreamBatch {
  readonly kind: 'kinesis' | 'dynamodb';
  readonly region: string;
  readonly functionName: string;
  readonly streamArn: string;
  readonly shardId: string;
  readonly condition: DiscardCondition;
  readonly invokeCount: number;
  /** Whether the last invocation threw (Unhandled) rather than returning a partial failure. */
  readonly functionError: boolean;
  readonly records: readonly { readonly sequenceNumber: string; readonly arrivalMs: number }[];
}

/**
 * The invocation record Lambda sends to a stream mapping's on-failure destination: a pointer to the
 * discarded records (shard and sequence range), not the records themselves.
 */
export function onFailureInvocationRecord(discarded: DiscardedStreamBatch, now: Date): Record<string, unknown> {
  const first = discarded.records[0];
  const last = discarded.records.at(-1);
  if (first === undefined || last === undefined) throw new Error('an on-failure record needs at least one record');
  const batchInfo = {
    shardId: discarded.shardId,
    startSequenceNumber: first.sequenceNumber,
    endSequenceNumber: last.sequenceNumber,
    approximateArrivalOfFirstRecord: new Date(first.arrivalMs).toISOString(),
    approximateArrivalOfLastRecord: new Date(last.arrivalMs).toISOString(),
    batchSize: discarded.records.length,
    streamArn: discarded.streamArn,
  };
  return {
    requestContext: {
      requestId: randomUUID(),
      functionArn: functionArn(discarded.region, discarded.functionName),
      condition: discarded.condition,
      approximateInvokeCount: discarded.invokeCount,
    },
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      ...(discarded.functionError ? { functionError: 'Unhandled' } : {}),
    },
    version: '1.0',
    timestamp: now.toISOString(),
    [discarded.kind === 'kinesis' ? 'KinesisBatchInfo' : 'DDBStreamBatchInfo']: batchInfo,
  };
}

function requireField<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw new Error(message);
  return value;
}
