/**
 * The produce step: the CSVs through the producer into the streams, then an earlier run's archive replayed
 * (`--replay`), in the background while the mappings drain the streams. Kinesis's acknowledgements are kept:
 * the ledger's "sent", each to be found again on the stream.
 */
import path from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { AcknowledgedRecord } from '../../producer/kinesis-sender';
import { type ProduceSummary, produce, type SendOrder } from '../../producer/produce';
import type { ReplaySummary } from '../../producer/replay';
import type { CompletionTimes } from './live-freshness';
import { replayRawArchive } from './operator-inputs';

export interface FeedOptions {
  readonly start?: string;
  readonly end?: string;
  readonly replay?: string;
  readonly outDir: string;
  readonly order: SendOrder;
  readonly rateTripsPerSecond?: number;
  readonly log: (line: string) => void;
  /** Told when each record was acknowledged (the live metrics' freshness is measured from it). */
  readonly completionTimes?: CompletionTimes;
}

/** The feed as it goes: its summaries once known, or the error that stopped it. */
export interface Feed {
  produced?: ProduceSummary;
  replayed?: ReplaySummary;
  error?: unknown;
  readonly acknowledged: AcknowledgedRecord[];
  /** Settles (never rejects) once the feed has finished or failed. */
  readonly done: Promise<void>;
}

export function startFeed(options: FeedOptions, kinesis: KinesisClient, streamNames: { start: string; end: string }): Feed {
  const acknowledged: AcknowledgedRecord[] = [];
  const onAcknowledged = (records: AcknowledgedRecord[]): void => {
    acknowledged.push(...records);
    options.completionTimes?.acknowledged(records, Date.now());
  };
  const quarantine = path.join(options.outDir, 'quarantine');
  const feed: Partial<Pick<Feed, 'produced' | 'replayed' | 'error'>> = {};
  const produceCsvs = async (): Promise<ProduceSummary> => {
    if (options.start === undefined || options.end === undefined) return nothingProduced();
    const pace = options.rateTripsPerSecond === undefined ? '' : `, paced at ${options.rateTripsPerSecond} trips/s`;
    options.log(`producing ${options.start} + ${options.end} (order ${options.order}${pace})`);
    return produce({
      start: options.start,
      end: options.end,
      startStream: streamNames.start,
      endStream: streamNames.end,
      order: options.order,
      quarantine,
      kinesis,
      onAcknowledged,
      ...(options.rateTripsPerSecond === undefined ? {} : { feedTripsPerSecond: options.rateTripsPerSecond }),
    });
  };
  const done = produceCsvs()
    .then(async (summary) => {
      if (options.replay !== undefined) {
        const replayed = await replayRawArchive(kinesis, streamNames, options.replay, quarantine, onAcknowledged);
        feed.replayed = replayed;
        options.log(
          `replay: ${replayed.sent.start} starts and ${replayed.sent.end} ends re-sent from ${replayed.objects} archived objects`,
        );
      }
      return summary;
    })
    .then(
      (summary) => {
        feed.produced = summary;
        options.log(
          `producer done: sent ${summary.sent.start} starts, ${summary.sent.end} ends; quarantined ${summary.quarantined.start} + ${summary.quarantined.end}`,
        );
      },
      (error: unknown) => {
        feed.error = error;
      },
    );
  return Object.assign(feed, { acknowledged, done });
}

/** The producer's summary of a run without CSVs (a replay alone). */
function nothingProduced(): ProduceSummary {
  const zero = () => ({ start: 0, end: 0 });
  return {
    rows: zero(),
    quarantined: zero(),
    sent: zero(),
    failed: zero(),
    retriedEntries: 0,
    batches: 0,
    durationMs: 0,
    outOfOrder: 0,
    quarantineFiles: {},
  };
}
