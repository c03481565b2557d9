import type { ProduceSummary, ProgressSnapshot } from '../../../producer/produce';
import { formatSummary, lineProgress } from '../../../producer/progress';

function summary(overrides: Partial<ProduceSummary> = {}): ProduceSummary {
  return {
    rows: { start: 120, end: 118 },
    quarantined: { start: 3, end: 1 },
    sent: { start: 117, end: 117 },
    failed: { start: 0, end: 0 },
    retriedEntries: 12,
    batches: 4,
    durationMs: 2_000,
    outOfOrder: 0,
    quarantineFiles: { rejected: 'quarantine/rejected-rows-x.jsonl' },
    ...overrides,
  };
}

function snapshot(elapsedMs: number): ProgressSnapshot {
  return {
    rows: { start: 10, end: 10 },
    quarantined: { start: 1, end: 0 },
    sent: { start: 9, end: 8 },
    failed: { start: 0, end: 0 },
    retriedEntries: 2,
    batches: 1,
    batchesInFlight: 1,
    bytesRead: 100,
    elapsedMs,
  };
}

describe('formatSummary', () => {
  it('tabulates each count per file and in total, with the throughput and the quarantine files', () => {
    // Act
    const text = formatSummary(
      summary({ failed: { start: 1, end: 0 }, quarantineFiles: { rejected: 'q/r.jsonl', unsent: 'q/u.jsonl' } }),
      false,
    );

    // Assess
    expect(text).toMatch(/rows read\s+120\s+118\s+238/);
    expect(text).toMatch(/quarantined\s+3\s+1\s+4/);
    expect(text).toMatch(/sent\s+117\s+117\s+234/);
    expect(text).toMatch(/failed to send\s+1\s+0\s+1/);
    expect(text).toContain('117 records/s sent');
    expect(text).toContain('rejected rows: q/r.jsonl');
    expect(text).toContain('UNSENT records: q/u.jsonl');
  });

  it('shows the valid rows of a dry run instead of sent ones', () => {
    // Act
    const text = formatSummary(summary({ sent: { start: 0, end: 0 } }), true);

    // Assess
    expect(text).toMatch(/valid \(dry run, not sent\)\s+117\s+117\s+234/);
  });
});

describe('lineProgress', () => {
  it('writes one line per interval with rows/s, sent, quarantined and retried', () => {
    // Prepare
    const lines: string[] = [];
    const reporter = lineProgress((line) => lines.push(line), 1_000);

    // Act
    for (const elapsed of [500, 1_000, 1_500, 2_100]) reporter.update(snapshot(elapsed));

    // Assess
    expect(lines).toEqual([
      '[produce] 1.0s rows=20 (20/s) sent=17 quarantined=1 retried=2 failed=0 in-flight=1',
      '[produce] 2.1s rows=20 (10/s) sent=17 quarantined=1 retried=2 failed=0 in-flight=1',
    ]);
  });
});
