/**
 * A record no dead letter can carry in one SQS message, run through the handler bundles as on AWS: 200 KB of
 * control characters on trip-start, which a letter's JSON escapes to six times its size. The start handler
 * keeps no payloads (ADR 0005), so it fails the record; its mapping's bounded retries give it up to the
 * failed-batch queue, and failed-batches reads it back and dead-letters it whole, its payload in the data
 * bucket. It reaches the stream through `--replay` of a raw archive holding it, byte for byte (the producer
 * would quarantine it: it is not a CSV row).
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RunSummary } from '../../local/run/run';
import { encodeRawObject, rawArchiveKey } from '../../ops/raw-archive';
import { type CliRun, LOCAL_RUN_TIMEOUT_MS, runLocalCli } from '../support/local-run';

jest.setTimeout(LOCAL_RUN_TIMEOUT_MS);

const HOSTILE = '\u0001'.repeat(200_000);

describe('a hostile record too large for a dead-letter message, in a local run', () => {
  let cli: CliRun;
  let summary: RunSummary;
  let letters: Record<string, unknown>[];

  beforeAll(async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'tripstream-oversize-e2e-'));
    const key = rawArchiveKey('trip-start', new Date('2024-05-25T08:00:00.000Z'), 'tripstream-local-trip-start-raw');
    await mkdir(dirname(join(workDir, key)), { recursive: true });
    await writeFile(join(workDir, key), encodeRawObject([Buffer.from(HOSTILE, 'utf8')]));
    const outDir = join(workDir, 'out');
    cli = await runLocalCli(['--replay', join(workDir, 'raw'), '--out', outDir]);
    if (cli.code !== 0) throw new Error(`local run failed with exit code ${cli.code}:\n${cli.stderr.slice(-3000)}`);
    summary = JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8')) as RunSummary;
    letters = (await readFile(join(outDir, 'dead-letters.jsonl'), 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  });

  it('ends as an INVALID_EVENT dead letter whose payload, stored whole, is the record text exactly', () => {
    // Prepare
    const payloadJson = JSON.stringify(HOSTILE);
    const sha256 = createHash('sha256').update(payloadJson).digest('hex');

    // Act
    // SQS delivers at least once: the failed-batch queue may hand the pointer over twice (locally its visibility
    // timeout is scaled down to seconds), giving the same letter twice, with the same payload object.
    const origins = new Set(letters.map((letter) => JSON.stringify(letter.origin)));

    // Assess
    expect(letters.length).toBeGreaterThanOrEqual(1);
    expect(origins.size).toBe(1);
    for (const letter of letters) {
      expect(letter).toMatchObject({
        reason: 'INVALID_EVENT',
        trip_id: null,
        event: null,
        event_location: {
          s3_uri: expect.stringMatching(new RegExp(`^s3://[^/]+/dead-letter-payloads/start/${sha256}\\.json$`)) as unknown,
          bytes: Buffer.byteLength(payloadJson),
          sha256,
        },
        source: 'start',
        // Given up by the start mapping and dead-lettered by failed-batches, not by the start handler.
        detail: expect.stringMatching(/^the tripstream-local-start mapping gave up on it \(RetryAttemptsExhausted, /) as unknown,
        origin: expect.objectContaining({
          shard_id: expect.any(String) as unknown,
          sequence_number: expect.any(String) as unknown,
        }) as unknown,
      });
    }
    expect(summary.aws_requests.S3?.PutObject ?? 0).toBeGreaterThanOrEqual(1);
  });

  it('accounts for the record in the ledger: sent once, dead-lettered, nothing unaccounted', () => {
    // Assess
    expect(summary.replayed?.sent).toEqual({ start: 1, end: 0 });
    expect(summary.ledger.start.sent).toBe(1);
    expect(summary.ledger.start.dead_lettered).toEqual({ INVALID_EVENT: 1 });
    expect(summary.ledger.unaccounted_records).toEqual([]);
    expect(summary.ledger.balanced).toBe(true);
  });
});
