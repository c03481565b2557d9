/**
 * The live-metrics consumer's load on the metrics table and on its own mapping.
 *
 * Each trips-table stream shard's consumer keeps its own partial items (one per 5-minute window and entity kind,
 * docs/adr/0009) and puts back each one it touched once per flush (a tumbling window), with plain,
 * non-transactional writes, so no two shards' consumers write one item and no transaction conflicts.
 */
import type { ModelAssumptions } from '../cost/footprint';
import { liveMetricsWrites } from '../cost/model';

export interface LiveMetricsLoadInput {
  readonly tripsPerSecond: number;
  /** Trips-table stream shards, each with its own consumer and its own partial items. */
  readonly streamShards: number;
  /** How often a shard's consumer writes the items it touched (s): its window. */
  readonly flushSeconds: number;
  readonly costAssumptions: ModelAssumptions;
}

export interface LiveMetricsLoad {
  /** Write units per second on the metrics table, every shard together. */
  readonly writeUnitsPerSecond: number;
  /**
   * Write units per second on the busiest partition key: `window#pickup_location`, where every shard puts its
   * partial of the current window (the largest item) once per flush.
   */
  readonly hottestKeyWriteUnitsPerSecond: number;
  /** Consumers writing one item: one, its shard's. */
  readonly writersPerItem: number;
  /** Billed time of a batch of `records` handled records (s): records are folded into the window's state. */
  readonly batchSeconds: (records: number) => number;
}

/** Folding a record into the window's state (parse, add): no write per record. */
const FOLD_MS_PER_RECORD = 0.1;
/** A flush: the items a shard touched in its window, written concurrently. */
const FLUSH_MS = 50;

export function liveMetricsLoad(input: LiveMetricsLoadInput): LiveMetricsLoad {
  const { tripsPerSecond, streamShards, flushSeconds, costAssumptions } = input;
  const perInvocationMs = costAssumptions.billedMs['live-metrics'].perInvocation;
  const writes = liveMetricsWrites(tripsPerSecond, streamShards, flushSeconds, costAssumptions);
  return {
    writeUnitsPerSecond: writes.writeUnitsPerSecond,
    hottestKeyWriteUnitsPerSecond: writes.hottestKeyWriteUnitsPerSecond,
    writersPerItem: 1,
    batchSeconds: (records) => (perInvocationMs + FLUSH_MS + records * FOLD_MS_PER_RECORD) / 1000,
  };
}
