/**
 * The live check step: the live metrics as the API would serve them at the end of the run, checked against
 * the daily KPIs and the open trips the ledger counted.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DailyKpiRow } from '../../kpi/duckdb-engine';
import { checkLiveMetrics, type LiveMetricsCheck } from './live-metrics-check';
import { ALL_TIME, MetricsSnapshot } from './live-server';

export async function checkRunLiveMetrics(inputs: {
  readonly dynamodb: DynamoDBClient;
  readonly metricsTable: string;
  readonly kpis: readonly DailyKpiRow[];
  readonly openTrips: number;
  /** Whether the live-metrics consumer ran: without it there is nothing to check. */
  readonly liveMetrics: boolean;
}): Promise<{ snapshot: MetricsSnapshot; liveCheck?: LiveMetricsCheck }> {
  const snapshot = await MetricsSnapshot.read(inputs.dynamodb, inputs.metricsTable);
  if (!inputs.liveMetrics) return { snapshot };
  const windows = await snapshot.windows('all', 'all', ...ALL_TIME);
  return {
    snapshot,
    liveCheck: checkLiveMetrics({ windows, liveOpenTrips: await snapshot.openTrips(), kpis: inputs.kpis, openTrips: inputs.openTrips }),
  };
}
