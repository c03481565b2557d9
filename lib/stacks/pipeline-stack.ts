import { Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { DATA_PREFIXES, type PipelineSettings } from '../config';
import { queueEventSourceOptions, streamEventSourceOptions } from '../constructs/event-source-options';
import { acknowledgeGrantActions, acknowledgeWildcardResource } from '../constructs/nag';
import { PipelineFunction } from '../constructs/pipeline-function';
import { handlerEnvironment } from '../handler-environment';
import { mappingTopology } from '../topology';
import type { DataStack } from './data-stack';

export interface PipelineStackProps extends StackProps {
  readonly settings: PipelineSettings;
  readonly data: DataStack;
}

const TRIP_TABLE_KEY_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

/**
 * The stateless trip handlers and the mappings that drive them. Replaceable at will: it holds no data,
 * and every permission it has is a grant on a resource of the data stack.
 */
export class PipelineStack extends Stack {
  readonly start: PipelineFunction;
  readonly end: PipelineFunction;
  readonly match: PipelineFunction;
  readonly redrive: PipelineFunction;
  readonly failedBatches: PipelineFunction;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { settings, data } = props;
    const dataBucket = data.dataBucketIn(this);
    const environment = handlerEnvironment(settings, {
      tripsTableName: data.tripsTable.tableName,
      retryQueueUrl: data.retryQueue.queueUrl,
      deadLetterQueueUrl: data.deadLetterQueue.queueUrl,
      dataBucketName: dataBucket.bucketName,
    });
    // Lambda sends only pointers (shard, sequence range) on failure; the failed-batches handler reads the
    // records back and dead-letters each with its full payload.
    const onFailure = new sources.SqsDlq(data.failedBatchQueue);

    this.start = new PipelineFunction(this, 'StartHandler', {
      handler: 'start',
      description: 'Records trip starts from the trip-start stream, completing trips whose end is there',
      settings,
      environment,
    });
    this.end = new PipelineFunction(this, 'EndHandler', {
      handler: 'end',
      description: 'Records trip ends from the trip-end stream, completing trips whose start is there',
      settings,
      environment,
    });
    this.match = new PipelineFunction(this, 'MatchHandler', {
      handler: 'match',
      description: 'Stages completed trips from the table stream to S3 as JSON lines; dead-letters expired open ends',
      settings,
      environment,
    });
    this.redrive = new PipelineFunction(this, 'RedriveHandler', {
      handler: 'redrive',
      description: 'Retries failed events from the retry queue with growing delays',
      settings,
      environment,
    });
    this.failedBatches = new PipelineFunction(this, 'FailedBatchesHandler', {
      handler: 'failed-batches',
      description: 'Reads back stream records the mappings gave up on and dead-letters them with full payloads',
      settings,
      environment,
    });

    const mappings = mappingTopology(settings);
    this.start.function.addEventSource(
      new sources.KinesisEventSource(data.tripStartStream, streamEventSourceOptions(mappings.streams.start, onFailure)),
    );
    this.end.function.addEventSource(
      new sources.KinesisEventSource(data.tripEndStream, streamEventSourceOptions(mappings.streams.end, onFailure)),
    );
    this.match.function.addEventSource(
      new sources.DynamoEventSource(data.tripsTable, streamEventSourceOptions(mappings.streams.match, onFailure)),
    );
    this.redrive.function.addEventSource(new sources.SqsEventSource(data.retryQueue, queueEventSourceOptions(mappings.queues.redrive)));
    this.failedBatches.function.addEventSource(
      new sources.SqsEventSource(data.failedBatchQueue, queueEventSourceOptions(mappings.queues.failedBatches)),
    );

    // Start, end and redrive own the trip items, with exactly the conditional writes they make
    // (lambdas/common/adapters/trips-table.ts): every half is an UpdateItem. They never read, scan or
    // delete. Match only reads the stream (its mapping grants that).
    const tableKey = data.tripsTable.encryptionKey;
    if (tableKey === undefined) throw new Error('The trips table is expected to be encrypted with a customer-managed key');
    for (const recorder of [this.start, this.end, this.redrive]) {
      data.tripsTable.grant(recorder.function, 'dynamodb:UpdateItem');
      // Table.grant leaves the table's key out. These are the key actions aws-cdk-lib's own write grant gives on
      // a customer-managed table key: the writes encrypt, and a refused write returns the stored item decrypted.
      tableKey.grant(recorder.function, ...TRIP_TABLE_KEY_ACTIONS);
      data.retryQueue.grantSendMessages(recorder.function);
    }
    // Reading discarded ranges back: both Kinesis streams, never the table's stream (two readers per shard: its consumers).
    data.tripStartStream.grantRead(this.failedBatches.function);
    data.tripEndStream.grantRead(this.failedBatches.function);
    for (const handler of [this.start, this.end, this.match, this.redrive, this.failedBatches]) {
      data.deadLetterQueue.grantSendMessages(handler.function);
      acknowledgeGrantActions(handler.role, ['kms:GenerateDataKey*', 'kms:ReEncrypt*']);
    }
    // A letter too large for SQS keeps its payload here (ADR 0005). Start, end and redrive keep none: they fail
    // such a record, and its mapping's on-failure destination or the retry queue's redrive policy hands it on whole.
    for (const handler of [this.match, this.failedBatches]) {
      dataBucket.grantPut(handler.function, `${DATA_PREFIXES.deadLetterPayloads}*`);
      acknowledgeGrantActions(handler.role, ['s3:Abort*']);
      acknowledgeWildcardResource(
        handler.role,
        dataBucket.arnForObjects(`${DATA_PREFIXES.deadLetterPayloads}*`),
        'A dead letter too large for SQS stores its payload under dead-letter-payloads/<handler>/<sha256>.json; names are hashes.',
      );
    }
    dataBucket.grantPut(this.match.function, `${DATA_PREFIXES.completedTrips}*`);
    acknowledgeWildcardResource(
      this.match.role,
      dataBucket.arnForObjects(`${DATA_PREFIXES.completedTrips}*`),
      'The match handler writes one new file per batch under completed-trips/trip_date=<date>/; names are not known in advance.',
    );
    for (const streamReader of [this.match]) {
      Validations.of(streamReader.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'dynamodb:ListStreams, added by the table stream grant: the action has no resource-level permissions, ' +
          'so IAM only accepts "*" for it.',
      });
    }
  }
}
