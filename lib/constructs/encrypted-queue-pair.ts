import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { removalPolicy } from './removal';

export interface EncryptedQueuePairProps {
  readonly queueName: string;
  readonly deadLetterQueueName: string;
  readonly encryptionKey: kms.IKey;
  /** Longest time one consumer may hold a message; the queue's visibility timeout is six times this. */
  readonly consumerTimeout: Duration;
  readonly maxReceiveCount: number;
  readonly retentionPeriod: Duration;
  readonly deadLetterRetentionPeriod: Duration;
  readonly retainData: boolean;
}

/** AWS's guidance for Lambda consumers: visibility timeout at least six times the function timeout. */
const VISIBILITY_TIMEOUT_FACTOR = 6;
/** Below this an SQS redrive policy can dead-letter a message on an ordinary throttle. */
const MIN_MAX_RECEIVE_COUNT = 5;

/**
 * A work queue and its dead-letter queue, both KMS-encrypted and SSL-only, with the invariants a Lambda
 * consumer needs checked at synth time instead of discovered in production.
 */
export class EncryptedQueuePair extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  private readonly props: EncryptedQueuePairProps;
  private readonly common: sqs.QueueProps;

  constructor(scope: Construct, id: string, props: EncryptedQueuePairProps) {
    super(scope, id);
    if (props.maxReceiveCount < MIN_MAX_RECEIVE_COUNT) {
      throw new Error(`maxReceiveCount must be at least ${MIN_MAX_RECEIVE_COUNT}, got ${props.maxReceiveCount}`);
    }
    if (props.deadLetterRetentionPeriod.toSeconds() <= props.retentionPeriod.toSeconds()) {
      throw new Error('The dead-letter queue must keep messages longer than the queue that feeds it');
    }
    const common: sqs.QueueProps = {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      // Reuse a data key for five minutes rather than calling KMS for every message.
      dataKeyReuse: Duration.minutes(5),
      enforceSSL: true,
      removalPolicy: removalPolicy(props.retainData),
    };
    this.props = props;
    this.common = common;
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...common,
      queueName: props.deadLetterQueueName,
      retentionPeriod: props.deadLetterRetentionPeriod,
    });
    this.queue = this.workQueue('Queue', props.queueName);
  }

  /** Another work queue with the same settings, giving up into the same dead-letter queue. */
  addQueue(id: string, queueName: string): sqs.Queue {
    return this.workQueue(id, queueName);
  }

  private workQueue(id: string, queueName: string): sqs.Queue {
    return new sqs.Queue(this, id, {
      ...this.common,
      queueName,
      retentionPeriod: this.props.retentionPeriod,
      visibilityTimeout: Duration.seconds(this.props.consumerTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: this.props.maxReceiveCount },
    });
  }
}
