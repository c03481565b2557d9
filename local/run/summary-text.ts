/** The summary a local run prints at its end, in plain words, with where its files are (summary.json has every number). */
import path from 'node:path';
import { describeDataQuality } from './data-quality';
import { describeLedger } from './ledger';
import { describeLiveFreshness } from './live-freshness';
import type { RunSummary } from './run';

function perFile(counts: { start: number; end: number }): string {
  return `start ${counts.start}, end ${counts.end}`;
}

export function formatRunSummary(summary: RunSummary, outDir: string): string {
  const dead = summary.dead_lettered;
  const reasons =
    Object.entries(dead.by_reason)
      .map(([reason, count]) => `${reason} ${count}`)
      .join(', ') || 'none';
  const invocations = Object.entries(summary.lambda_invocations)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
  const requests = Object.values(summary.aws_requests).reduce(
    (sum, byOperation) => sum + Object.values(byOperation).reduce((a, b) => a + b, 0),
    0,
  );
  const rejected = summary.quarantined.start + summary.quarantined.end;
  const faults = summary.faults_injected;
  const quality = summary.data_quality === undefined ? [] : describeDataQuality(summary.data_quality);
  const givenUp = dead.on_failure_batches + dead.moved_by_redrive_policy;
  return [
    `rows read:          ${perFile(summary.rows)}`,
    `rows rejected:      ${perFile(summary.quarantined)}${rejected > 0 ? `, with line numbers and reasons in ${path.join(outDir, 'quarantine')}` : ''}`,
    `rows sent:          ${perFile(summary.sent)} (each stored by Kinesis and found on its stream)`,
    `trips completed:    ${summary.trips_completed}`,
    `open trips:         ${summary.open_trips} (a start whose end never arrived)`,
    `duplicates ignored: ${summary.duplicates_ignored}`,
    `dead letters:       ${dead.total} trips (${reasons}), in ${path.join(outDir, 'dead-letters.jsonl')}; after a fix, redrive them with --redrive`,
    ...(givenUp === 0
      ? []
      : [
          `                    ${dead.messages} messages on the dead-letter queue, ${givenUp} of them records a queue or stream gave up on after its retries`,
        ]),
    `KPI dates:          ${summary.kpi_dates.join(', ') || 'none'}`,
    `raw archive:        ${summary.raw_archive.records.start} start and ${summary.raw_archive.records.end} end records in ${summary.raw_archive.objects} files under ${path.join(outDir, 'raw')}`,
    ...(summary.redriven === undefined
      ? []
      : [
          `redriven:           ${summary.redriven.redriven} of ${summary.redriven.letters} dead letters (${summary.redriven.left.length} without an event to resend)`,
        ]),
    ...(summary.replayed === undefined ? [] : [`replayed:           ${perFile(summary.replayed.sent)}`]),
    ...(summary.live_freshness === undefined ? [] : [`live freshness:     ${describeLiveFreshness(summary.live_freshness)}`]),
    ...describeLedger(summary.ledger).map((line, index) => `${index === 0 ? 'every record:       ' : '                    '}${line}`),
    ...quality.map((line, index) => `${index === 0 ? 'data quality:       ' : '                    '}${line}`),
    `handler calls:      ${invocations}`,
    ...(faults.record_failures + faults.function_errors + faults.throttles === 0
      ? []
      : [
          `faults injected:    ${faults.record_failures} record failures, ${faults.function_errors} function errors, ${faults.throttles} throttles`,
        ]),
    `AWS requests:       ${requests}`,
    `report:             ${path.join(outDir, 'report.html')}`,
    `duration:           ${(summary.duration_ms / 1000).toFixed(1)}s`,
  ].join('\n');
}
