/**
 * What the operator sees: a live bar on a terminal, a plain line every few seconds otherwise (CI logs,
 * redirected output), and a summary table at the end.
 */
import { SingleBar } from 'cli-progress';
import type { PerFile, ProduceSummary, ProgressSnapshot } from './produce';

export interface ProgressReporter {
  update(snapshot: ProgressSnapshot): void;
  stop(): void;
}

const total = (pair: PerFile): number => pair.start + pair.end;

function rowsPerSecond(snapshot: ProgressSnapshot): number {
  return snapshot.elapsedMs > 0 ? Math.round((total(snapshot.rows) * 1000) / snapshot.elapsedMs) : 0;
}

function barPayload(snapshot: ProgressSnapshot) {
  return {
    rowsPerSecond: rowsPerSecond(snapshot),
    rows: total(snapshot.rows),
    sent: total(snapshot.sent),
    quarantined: total(snapshot.quarantined),
    retried: snapshot.retriedEntries,
    failed: total(snapshot.failed),
  };
}

/** A cli-progress bar over input bytes (the only total known before reading), with counters beside it. */
export function terminalProgress(stream: NodeJS.WriteStream): ProgressReporter {
  const bar = new SingleBar({
    stream,
    format:
      '{bar} {percentage}% | {rows} rows, {rowsPerSecond} rows/s | sent {sent} | quarantined {quarantined} | retried {retried} | failed {failed}',
    hideCursor: true,
    clearOnComplete: false,
  });
  let started = false;
  return {
    update(snapshot) {
      const payload = barPayload(snapshot);
      if (!started) {
        bar.start(snapshot.totalBytes ?? 0, snapshot.bytesRead, payload);
        started = true;
      } else {
        bar.update(snapshot.bytesRead, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** One line per interval, for logs. */
export function lineProgress(write: (line: string) => void, intervalMs = 5_000): ProgressReporter {
  let lastLineAt = 0;
  return {
    update(snapshot) {
      if (snapshot.elapsedMs - lastLineAt < intervalMs) return;
      lastLineAt = snapshot.elapsedMs;
      const p = barPayload(snapshot);
      write(
        `[produce] ${(snapshot.elapsedMs / 1000).toFixed(1)}s rows=${p.rows} (${p.rowsPerSecond}/s) sent=${p.sent} quarantined=${p.quarantined} retried=${p.retried} failed=${p.failed} in-flight=${snapshot.batchesInFlight}`,
      );
    },
    stop() {},
  };
}

/** The final table: per-file counts, then the run's totals and where the quarantine files are. */
export function formatSummary(summary: ProduceSummary, dryRun: boolean): string {
  const lines: [string, PerFile][] = [
    ['rows read', summary.rows],
    ['quarantined', summary.quarantined],
    dryRun
      ? [
          'valid (dry run, not sent)',
          { start: summary.rows.start - summary.quarantined.start, end: summary.rows.end - summary.quarantined.end },
        ]
      : ['sent', summary.sent],
    ['failed to send', summary.failed],
  ];
  const width = (cells: string[]) => Math.max(...cells.map((cell) => cell.length));
  const labelWidth = width(lines.map(([label]) => label));
  const numberWidth = Math.max(8, width(lines.flatMap(([, pair]) => [pair.start, pair.end, total(pair)].map(String))));
  const row = (label: string, cells: string[]) => [label.padEnd(labelWidth), ...cells.map((cell) => cell.padStart(numberWidth))].join('  ');
  const seconds = summary.durationMs / 1000;
  const sentPerSecond = seconds > 0 ? Math.round(total(summary.sent) / seconds) : 0;
  const output = [
    row('', ['start', 'end', 'total']),
    ...lines.map(([label, pair]) => row(label, [String(pair.start), String(pair.end), String(total(pair))])),
    '',
    `batches ${summary.batches}, entries resent ${summary.retriedEntries}, out of event-time order ${summary.outOfOrder}`,
    `duration ${seconds.toFixed(1)} s, ${sentPerSecond} records/s sent`,
  ];
  if (summary.quarantineFiles.rejected !== undefined) output.push(`rejected rows: ${summary.quarantineFiles.rejected}`);
  if (summary.quarantineFiles.unsent !== undefined) output.push(`UNSENT records: ${summary.quarantineFiles.unsent}`);
  return output.join('\n');
}
