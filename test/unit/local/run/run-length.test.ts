import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dynamoDbLocalJvmOptions } from '../../../../local/run/emulators';
import { estimatedInputEvents, LONG_RUN_EVENTS, runLengthOf } from '../../../../local/run/run-length';
import { generateSample, writeSampleFiles } from '../../../../tools/sample-generator';

describe('run length', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'tripstream-run-length-'));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("estimates a generated sample's rows from the sizes of its two CSVs", async () => {
    // Prepare
    const sample = generateSample({ trips: 1_000, seed: 'run-length' });
    const files = await writeSampleFiles(sample, directory);
    const lines = (text: string): number => text.trimEnd().split('\n').length - 1;
    const rows = lines(sample.startCsv) + lines(sample.endCsv);

    // Act
    const estimate = await estimatedInputEvents({ start: files.start, end: files.end });

    // Assess
    expect(estimate).toBeGreaterThan(rows * 0.85);
    expect(estimate).toBeLessThan(rows * 1.15);
  });

  it('counts a raw archive folder recursively, by its gzipped bytes', async () => {
    // Prepare
    await mkdir(join(directory, 'raw', 'trip-start', '2024-05-25'), { recursive: true });
    await writeFile(join(directory, 'raw', 'trip-start', '2024-05-25', 'part-1.gz'), Buffer.alloc(29 * 600));
    await writeFile(join(directory, 'raw', 'trip-start', 'part-2.gz'), Buffer.alloc(29 * 400));

    // Act
    const estimate = await estimatedInputEvents({ replay: join(directory, 'raw') });

    // Assess
    expect(estimate).toBe(1_000);
  });

  it('counts an input it cannot read as empty, leaving the message to the run', async () => {
    // Act
    const estimate = await estimatedInputEvents({ start: join(directory, 'missing.csv'), replay: join(directory, 'missing') });

    // Assess
    expect(estimate).toBe(0);
  });

  it('is long from LONG_RUN_EVENTS on, and the long JVM keeps its default compilers', async () => {
    // Prepare
    const justShort = join(directory, 'short.csv');
    const justLong = join(directory, 'long.csv');
    await writeFile(justShort, Buffer.alloc(73 * (LONG_RUN_EVENTS - 1)));
    await writeFile(justLong, Buffer.alloc(73 * LONG_RUN_EVENTS));

    // Act
    const lengths = [await runLengthOf({ start: justShort }), await runLengthOf({ start: justLong })];

    // Assess
    expect(lengths).toEqual(['short', 'long']);
    expect(dynamoDbLocalJvmOptions('short')).toBe('-XX:TieredStopAtLevel=1');
    expect(dynamoDbLocalJvmOptions('long')).toBeUndefined();
  });
});
