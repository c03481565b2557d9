/**
 * What the run puts between the handlers and the emulators, on every handler AWS call: injected throttling,
 * DynamoDB's transaction conflicts, and the trips table stream's limit of two readers per shard.
 */
import { registerRequestAttemptHook } from '../../aws/clients';
import { METRICS_KEY } from '../../domain/live-metrics';
import { TRIP_KEY } from '../../domain/trip-item';
import type { ShardReaderLimit } from '../event-source-mapping/stream-mapping';
import type { FaultInjector } from './fault-injection';
import { TABLE_STREAM_READERS_PER_SHARD } from './mappings';
import type { LocalResources } from './resources';
import { TransactionConflicts } from './transaction-conflicts';

export interface HandlerHooks {
  /** From here on, concurrent writes to the run's tables conflict as on DynamoDB. */
  modelTransactionConflicts(resources: LocalResources): void;
  /** From here on, a handler reading the trips table's stream counts against these readers. */
  limitTableStreamReaders(readers: ShardReaderLimit): void;
  remove(): void;
}

export function installHandlerHooks(injector: FaultInjector): HandlerHooks {
  const removeThrottling = registerRequestAttemptHook('handler', (attempt) => injector.throttle(attempt));
  let transactionConflicts: TransactionConflicts | undefined;
  const removeConflictModel = registerRequestAttemptHook('handler', (attempt) => transactionConflicts?.hook(attempt));
  // A handler reading the trips table's stream (a read-back) would be a third reader of its shards beside the
  // two mappings; the deployed roles have no such grant, and the run refuses it likewise.
  let tableStreamReaders: ShardReaderLimit | undefined;
  const removeStreamReadGuard = registerRequestAttemptHook('handler', (attempt) => {
    if (attempt.service !== 'DynamoDBStreams' || tableStreamReaders === undefined) return;
    if (tableStreamReaders.mostReaders >= TABLE_STREAM_READERS_PER_SHARD) {
      throw new Error(
        `a handler's ${attempt.operation} would be a third reader of the trips table stream's shards (DynamoDB Streams allows ${TABLE_STREAM_READERS_PER_SHARD})`,
      );
    }
  });
  return {
    modelTransactionConflicts(resources) {
      transactionConflicts = new TransactionConflicts({
        [resources.tripsTable.name]: [TRIP_KEY],
        [resources.metricsTable.name]: [METRICS_KEY.partition, METRICS_KEY.sort],
      });
    },
    limitTableStreamReaders(readers) {
      tableStreamReaders = readers;
    },
    remove() {
      removeThrottling();
      removeStreamReadGuard();
      removeConflictModel();
    },
  };
}
