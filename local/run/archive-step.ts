/**
 * The archive step: both streams read back once, from TRIM_HORIZON, and archived as Firehose archives them;
 * the ledger's "on the stream" records are the same records.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import type { TripHalf } from '../../domain/csv';
import { type ArchiveSummary, archiveStreams } from './raw-archive';
import { type ReadBackRecord, readWholeStream } from './stream-readback';

export interface ArchiveStepInputs {
  /** Uncounted clients: on AWS this work is Firehose's, not the pipeline's. */
  readonly kinesis: KinesisClient;
  readonly s3: S3Client;
  readonly streamNames: Readonly<Record<TripHalf, string>>;
  readonly bucket: string;
  readonly outDir: string;
  readonly deliveryStreamPrefix: string;
}

export async function archiveRun(
  inputs: ArchiveStepInputs,
): Promise<{ archive: ArchiveSummary; readBack: Record<TripHalf, ReadBackRecord[]> }> {
  const [start, end] = await Promise.all([
    readWholeStream(inputs.kinesis, inputs.streamNames.start),
    readWholeStream(inputs.kinesis, inputs.streamNames.end),
  ]);
  const readBack = { start, end };
  const archive = await archiveStreams({
    records: readBack,
    s3: inputs.s3,
    bucket: inputs.bucket,
    outDir: inputs.outDir,
    deliveryStreamPrefix: inputs.deliveryStreamPrefix,
  });
  return { archive, readBack };
}
