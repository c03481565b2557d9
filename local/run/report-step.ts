/**
 * The summary and report step: summary.json (docs/contracts.md §5) from the run's results, the verdict and
 * the data-quality notes in it, and report.html (and the live page's final state).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { awsRequestCounts, dynamoDbRequestCountsByTable } from '../../aws/clients';
import type { AcknowledgedRecord } from '../../producer/kinesis-sender';
import type { ProduceSummary, SendOrder } from '../../producer/produce';
import type { ReplaySummary } from '../../producer/replay';
import { describeDataQuality } from './data-quality';
import type { InjectedFaultCounts } from './fault-injection';
import type { KpiStepResult } from './kpi-step';
import type { RunLedger } from './ledger-step';
import type { LiveFreshness } from './live-freshness';
import type { LiveMetricsCheck } from './live-metrics-check';
import { type LiveServer, type MetricsSnapshot, publishRunPages } from './live-server';
import type { RedriveFileSummary } from './operator-inputs';
import { runPacing } from './pacing';
import type { ArchiveSummary } from './raw-archive';
import type { RunSummary } from './run';
import { failed, succeeded } from './run-outcome';
import { assessRunDataQuality, runFailure } from './run-verdict';

export interface RunResultsToReport {
  readonly outDir: string;
  readonly order: SendOrder;
  readonly rateTripsPerSecond?: number;
  readonly timeScale: number;
  readonly startedAt: number;
  readonly phases: Record<string, number>;
  readonly produced: ProduceSummary;
  readonly replayed?: ReplaySummary;
  readonly redriven?: RedriveFileSummary;
  readonly acknowledged: readonly AcknowledgedRecord[];
  readonly results: RunLedger;
  readonly openEndsExpired: number;
  readonly archive: ArchiveSummary;
  readonly kpis: KpiStepResult;
  readonly liveCheck?: LiveMetricsCheck;
  readonly liveFreshness?: LiveFreshness;
  readonly snapshot: MetricsSnapshot;
  readonly live: LiveServer | undefined;
  readonly tripsTable: string;
  readonly lambdaInvocations: Record<string, number>;
  readonly faultsInjected: InjectedFaultCounts;
  readonly log: (line: string) => void;
}

export function openTripsOf(results: Pick<RunLedger, 'items'>): number {
  return results.items.filter((item) => item.halves === 1 && item.start_origin !== undefined).length;
}

function summarize(run: RunResultsToReport): RunSummary {
  const { produced, results, archive, replayed } = run;
  const { ledger } = results;
  return {
    rows: produced.rows,
    quarantined: produced.quarantined,
    sent: produced.sent,
    unsent: produced.failed,
    trips_completed: results.items.filter((item) => item.halves >= 2).length,
    duplicates_ignored: ledger.start.duplicates_ignored + ledger.end.duplicates_ignored,
    dead_lettered: results.deadLettered,
    open_trips: openTripsOf(results),
    open_ends_expired: run.openEndsExpired,
    ledger,
    kpi_dates: run.kpis.dates,
    aws_requests: awsRequestCounts(),
    trips_table_writes: tripsTableWrites(run.tripsTable),
    lambda_invocations: run.lambdaInvocations,
    faults_injected: run.faultsInjected,
    order: run.order,
    duration_ms: Date.now() - run.startedAt,
    phases_ms: run.phases,
    time_scale: run.timeScale,
    ...(run.rateTripsPerSecond === undefined ? {} : { pacing: runPacing(run.rateTripsPerSecond, run.timeScale) }),
    ...(run.liveFreshness === undefined ? {} : { live_freshness: run.liveFreshness }),
    raw_archive: { records: archive.records, objects: archive.objects.length },
    ...(run.liveCheck === undefined ? {} : { live_metrics: run.liveCheck }),
    ...(run.redriven === undefined ? {} : { redriven: run.redriven }),
    ...(replayed === undefined ? {} : { replayed: { records: replayed.records, sent: replayed.sent, unsent: replayed.failed } }),
  };
}

/** Writes report.html and summary.json; throws (after writing them) when the run failed. */
export async function reportRun(run: RunResultsToReport): Promise<{ summary: RunSummary; summaryPath: string }> {
  const summary = summarize(run);
  const summaryPath = path.join(run.outDir, 'summary.json');
  const failure = runFailure(summary.ledger, run.liveCheck, summaryPath);
  summary.outcome = failure === undefined ? succeeded() : failed(failure.message);
  summary.data_quality = await assessRunDataQuality({
    acknowledged: run.acknowledged,
    items: run.results.items,
    letters: run.results.letters,
    outDir: run.outDir,
  });
  for (const line of describeDataQuality(summary.data_quality)) run.log(`data quality: ${line}`);
  const reportPath = await publishRunPages({
    outDir: run.outDir,
    snapshot: run.snapshot,
    results: {
      daily: run.kpis.rows,
      byDimension: run.kpis.dimensionRows,
      deadLettersByReason: summary.dead_lettered.by_reason,
      ledger: summary.ledger,
      outcome: summary.outcome,
      dataQuality: summary.data_quality,
    },
    live: run.live,
  });
  run.log(`report: ${reportPath}`);
  await writeFile(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
  if (failure !== undefined) throw failure;
  return { summary, summaryPath };
}

function tripsTableWrites(tableName: string): number {
  const byOperation = dynamoDbRequestCountsByTable()[tableName] ?? {};
  return (byOperation.UpdateItem ?? 0) + (byOperation.PutItem ?? 0) + (byOperation.DeleteItem ?? 0);
}
