/**
 * The CDK event source options of a mapping, built from its description in lib/topology.ts (the one the
 * local run drives its handlers with), so a deployed mapping has exactly the settings and filters run locally.
 */
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { QueueMappingDescription, StreamMappingDescription } from '../topology';

/** Options of a Kinesis or DynamoDB stream mapping; Lambda sends the pointer to a given-up batch to onFailure. */
export function streamEventSourceOptions(mapping: StreamMappingDescription, onFailure: lambda.IEventSourceDlq) {
  const { settings } = mapping;
  return {
    startingPosition: lambda.StartingPosition.TRIM_HORIZON,
    batchSize: settings.batchSize,
    maxBatchingWindow: Duration.seconds(settings.maxBatchingWindowSeconds),
    // -1 is Lambda's default (until the record leaves the stream), which CDK expresses by leaving them out.
    ...(settings.retryAttempts < 0 ? {} : { retryAttempts: settings.retryAttempts }),
    ...(settings.maxRecordAgeSeconds < 0 ? {} : { maxRecordAge: Duration.seconds(settings.maxRecordAgeSeconds) }),
    bisectBatchOnError: settings.bisectBatchOnError,
    parallelizationFactor: settings.parallelizationFactor,
    ...(settings.tumblingWindowSeconds === undefined ? {} : { tumblingWindow: Duration.seconds(settings.tumblingWindowSeconds) }),
    reportBatchItemFailures: true,
    onFailure,
    ...(mapping.filters.length === 0 ? {} : { filters: mapping.filters.map((pattern) => lambda.FilterCriteria.filter(pattern)) }),
  };
}

/** Options of an SQS mapping. */
export function queueEventSourceOptions(mapping: QueueMappingDescription) {
  return {
    batchSize: mapping.settings.batchSize,
    maxBatchingWindow: Duration.seconds(mapping.settings.maxBatchingWindowSeconds),
    reportBatchItemFailures: true,
    // The pollers themselves slow down, so a retry flood waits in the queue instead of being throttled
    // into the redrive policy's receive count (reserved concurrency would not slow them).
    maxConcurrency: mapping.settings.maximumConcurrency,
  };
}
