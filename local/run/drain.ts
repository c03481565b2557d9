/**
 * The drain step: waits until the pipeline has drained. The run is drained once, after everything was seen
 * idle at some moment, every shard has been read caught-up by a read begun after it, both queues are empty
 * and nothing was read or invoked in between: whatever was written before that moment has then been seen, and
 * nothing has been written since.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { errorText } from '../../domain/error-text';
import type { LocalInvoker } from '../event-source-mapping/invoker';
import { queueDepth } from '../event-source-mapping/queue-mapping';
import type { Feed } from './feed';
import type { RunMappings } from './mappings';
import type { PhaseTimer } from './phase-timer';
import type { LocalResources } from './resources';

/** How often the done detector looks. */
const DONE_CHECK_INTERVAL_MS = 25;

export interface DrainWatch {
  readonly mappings: RunMappings;
  readonly invoker: Pick<LocalInvoker, 'inFlight' | 'totalInvocations'>;
  readonly feed: Feed;
  readonly resources: LocalResources;
  /** The run's own look at the queues (uncounted: Lambda's pollers do not ask for queue depths). */
  readonly inspectionSqs: SQSClient;
  readonly phases: PhaseTimer;
  /** When the run fails for not having drained (epoch ms), and the timeout it was given. */
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

function failure(watch: DrainWatch, phase: string): Error | undefined {
  const { mappings, feed } = watch;
  if (watch.signal?.aborted === true) return new Error('interrupted');
  if (feed.error !== undefined) return new Error(`the producer failed: ${errorText(feed.error)}`, { cause: feed.error });
  const failed = [...mappings.streams, ...mappings.queues].find((mapping) => mapping.error !== undefined);
  if (failed?.error !== undefined) return failed.error;
  if (Date.now() > watch.deadline) {
    return new Error(
      `the pipeline did not drain (${phase}) within ${Math.round(watch.timeoutMs / 1000)}s ` +
        `(producer ${feed.produced === undefined ? 'still running' : 'done'}, ` +
        `shards idle: start=${mappings.start.idle} end=${mappings.end.idle} match=${mappings.match.idle}, ` +
        `invocations running: ${watch.invoker.inFlight}); raise --timeout for large inputs`,
    );
  }
  return undefined;
}

async function everythingIdle(watch: DrainWatch): Promise<boolean> {
  const { mappings } = watch;
  const idle =
    watch.feed.produced !== undefined &&
    mappings.streams.every((mapping) => mapping.idle) &&
    mappings.queues.every((mapping) => mapping.idle) &&
    watch.invoker.inFlight === 0;
  if (!idle) return false;
  const queues = [watch.resources.retryQueue, watch.resources.failedBatchQueue];
  const depths = await Promise.all(queues.map((queue) => queueDepth(watch.inspectionSqs, queue.url)));
  return depths.every((depth) => depth.visible + depth.inFlight + depth.delayed === 0);
}

export async function waitUntilDrained(watch: DrainWatch, phase: string): Promise<void> {
  const { mappings } = watch;
  // The moment everything was last seen idle, and the activity count then; undefined while busy.
  let idleSince: number | undefined;
  let activityThen = -1;
  for (;;) {
    const failed = failure(watch, phase);
    if (failed !== undefined) throw failed;
    const checkedAt = Date.now();
    const activity =
      mappings.streams.reduce((sum, mapping) => sum + mapping.activity, 0) +
      mappings.queues.reduce((sum, mapping) => sum + mapping.activity, 0) +
      watch.invoker.totalInvocations;
    const idle = await everythingIdle(watch);
    if (!idle || activity !== activityThen || idleSince === undefined) {
      idleSince = idle ? checkedAt : undefined;
      activityThen = activity;
      // Shards opened since the last listing must be read too: list them now rather than wait for it.
      if (idle) await Promise.all(mappings.streams.map((mapping) => mapping.discoverNow()));
    } else if (mappings.streams.every((mapping) => mapping.settledSince(idleSince ?? checkedAt))) {
      watch.phases.add('drain_detection', Date.now() - idleSince);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, DONE_CHECK_INTERVAL_MS));
  }
}
