import { Duration } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { Construct } from 'constructs';
import type { StreamDescription } from '../topology';
import { removalPolicy } from './removal';

export interface TripEventStreamProps {
  /** Name, capacity mode, shards and retention, as the local runtime creates the stream too. */
  readonly description: StreamDescription;
  readonly retainData: boolean;
}

/**
 * A Kinesis stream of trip events, always encrypted at rest; capacity mode from settings.
 * The AWS-managed `aws/kinesis` key is used on purpose: producers (anyone running `npm run produce`) and
 * consumers need no KMS permissions of their own, and cdk-nag's AwsSolutions-KDS3 asks for exactly this.
 */
export class TripEventStream extends Construct {
  readonly stream: kinesis.Stream;

  constructor(scope: Construct, id: string, props: TripEventStreamProps) {
    super(scope, id);
    const { description } = props;
    const provisioned = description.capacityMode === 'PROVISIONED';
    this.stream = new kinesis.Stream(this, 'Stream', {
      streamName: description.name,
      encryption: kinesis.StreamEncryption.MANAGED,
      streamMode: provisioned ? kinesis.StreamMode.PROVISIONED : kinesis.StreamMode.ON_DEMAND,
      shardCount: provisioned ? description.shardCount : undefined,
      retentionPeriod: Duration.hours(description.retentionHours),
      removalPolicy: removalPolicy(props.retainData),
    });
  }
}
