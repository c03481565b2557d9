import type { SQSRecord } from 'aws-lambda';
import {
  dynamoDbRecord,
  kinesisRecord,
  lambdaContext,
  onFailureInvocationRecord,
  sqsRecord,
} from '../../../../local/event-source-mapping/lambda-events';
import { messagesToDelete } from '../../../../local/event-source-mapping/queue-mapping';

const region = 'us-east-1';
const arrival = new Date('2024-05-25T13:19:00.500Z');

describe('kinesisRecord', () => {
  it('builds the record Lambda delivers from a GetRecords record', () => {
    // Prepare
    const source = {
      region,
      streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
      shardId: 'shardId-000000000001',
      functionName: 'fn',
    };

    // Act
    const record = kinesisRecord(source, {
      SequenceNumber: '49',
      PartitionKey: 'trip-1',
      Data: Buffer.from('{"a":1}'),
      ApproximateArrivalTimestamp: arrival,
    });

    // Assess
    expect(record).toEqual({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'trip-1',
        sequenceNumber: '49',
        data: Buffer.from('{"a":1}').toString('base64'),
        approximateArrivalTimestamp: 1716643140.5,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: 'shardId-000000000001:49',
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/fn-role',
      awsRegion: region,
      eventSourceARN: source.streamArn,
    });
  });
});

describe('dynamoDbRecord', () => {
  it('turns the creation time into epoch seconds and keeps the images', () => {
    // Prepare
    const streamArn = 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/x';

    // Act
    const record = dynamoDbRecord(
      { region, streamArn },
      {
        eventID: 'e1',
        eventName: 'MODIFY',
        eventVersion: '1.1',
        dynamodb: {
          ApproximateCreationDateTime: arrival,
          Keys: { trip_id: { S: 'trip-1' } },
          NewImage: { trip_id: { S: 'trip-1' }, fare: { N: '12.5' }, tip: { NULL: true } },
          SequenceNumber: '100',
          SizeBytes: 42,
          StreamViewType: 'NEW_AND_OLD_IMAGES',
        },
      },
    );

    // Assess
    expect(record).toMatchObject({
      eventName: 'MODIFY',
      eventSource: 'aws:dynamodb',
      eventSourceARN: streamArn,
      awsRegion: region,
      dynamodb: {
        ApproximateCreationDateTime: 1716643140,
        Keys: { trip_id: { S: 'trip-1' } },
        NewImage: { trip_id: { S: 'trip-1' }, fare: { N: '12.5' }, tip: { NULL: true } },
        SequenceNumber: '100',
      },
    });
  });
});

function sqsRecords(count: number): SQSRecord[] {
  return Array.from({ length: count }, (_unused, index) =>
    sqsRecord(
      { region, queueArn: 'arn:aws:sqs:us-east-1:000000000000:q' },
      { MessageId: `m${index}`, ReceiptHandle: `r${index}`, Body: '{}', Attributes: { ApproximateReceiveCount: '2' } },
    ),
  );
}

describe('sqsRecord', () => {
  it('carries the message id, receipt handle, body and attributes', () => {
    // Act
    const [record] = sqsRecords(1);

    // Assess
    expect(record).toMatchObject({
      messageId: 'm0',
      receiptHandle: 'r0',
      body: '{}',
      eventSource: 'aws:sqs',
      attributes: { ApproximateReceiveCount: '2' },
      messageAttributes: {},
    });
  });
});

describe('messagesToDelete', () => {
  it.each([
    ['success', true, undefined, ['m0', 'm1', 'm2']],
    ['a reported failure', true, { batchItemFailures: [{ itemIdentifier: 'm1' }] }, ['m0', 'm2']],
    ['an unknown identifier', true, { batchItemFailures: [{ itemIdentifier: 'zz' }] }, []],
    ['a thrown error', false, undefined, []],
  ])('after %s', (_name, ok, response, expected) => {
    // Prepare
    const records = sqsRecords(3);

    // Act
    const deleted = messagesToDelete(records, ok, response);

    // Assess
    expect(deleted.map((record) => record.messageId)).toEqual(expected);
  });
});

describe('onFailureInvocationRecord', () => {
  it('points at the discarded shard range in AWS invocation-record shape', () => {
    // Act
    const record = onFailureInvocationRecord(
      {
        kind: 'kinesis',
        region,
        functionName: 'fn',
        streamArn: 'arn:s',
        shardId: 'shardId-000000000000',
        condition: 'RetryAttemptsExhausted',
        invokeCount: 4,
        functionError: true,
        records: [
          { sequenceNumber: '1', arrivalMs: arrival.getTime() },
          { sequenceNumber: '9', arrivalMs: arrival.getTime() + 1000 },
        ],
      },
      arrival,
    );

    // Assess
    expect(record).toMatchObject({
      requestContext: {
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 4,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: arrival.toISOString(),
      KinesisBatchInfo: {
        shardId: 'shardId-000000000000',
        startSequenceNumber: '1',
        endSequenceNumber: '9',
        approximateArrivalOfFirstRecord: '2024-05-25T13:19:00.500Z',
        approximateArrivalOfLastRecord: '2024-05-25T13:19:01.500Z',
        batchSize: 2,
        streamArn: 'arn:s',
      },
    });
  });
});

describe('lambdaContext', () => {
  it('names the function and counts down to the deadline', () => {
    // Act
    const context = lambdaContext({ region, functionName: 'fn', memorySizeMb: 512 }, Date.now() + 30_000);

    // Assess
    expect(context).toMatchObject({
      functionName: 'fn',
      functionVersion: '$LATEST',
      memoryLimitInMB: '512',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
    });
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(30_000);
  });
});
