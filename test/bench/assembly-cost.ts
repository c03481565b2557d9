/**
 * What trip assembly costs per 1,000 completed trips, for each send order: DynamoDB write attempts, SQS
 * requests and Lambda invocations, measured by running the whole local pipeline (`npm run local`) on the
 * same generated sample in each order. Order independence means the three columns should look alike.
 */

import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RunSummary } from '../../local/run/run';
import { generateSample, writeSampleFiles } from '../../tools/sample-generator';
import type { Benchmark } from './benchmark';

const run = promisify(execFile);
const repositoryRoot = join(__dirname, '..', '..');
const ORDERS = ['event-time', 'file', 'ends-first'] as const;
const TRIPS = Number(process.env.BENCH_ASSEMBLY_TRIPS ?? 2_000);

function perThousand(count: number, trips: number): string {
  return trips === 0 ? 'n/a' : ((count / trips) * 1000).toFixed(1);
}

function sum(counts: Record<string, number> | undefined): number {
  return Object.values(counts ?? {}).reduce((total, count) => total + count, 0);
}

export const benchmark: Benchmark = {
  name: 'assembly-cost',
  description: `write attempts, SQS requests and invocations per 1,000 completed trips, per --order (${TRIPS} generated trips, npm run local)`,
  async run() {
    const workDir = await mkdtemp(join(tmpdir(), 'tripstream-bench-assembly-'));
    const files = await writeSampleFiles(generateSample({ trips: TRIPS, seed: 'bench-assembly', days: 3 }), join(workDir, 'input'));
    const figures: Record<string, number | string> = {};
    for (const order of ORDERS) {
      const outDir = join(workDir, order);
      await run(
        join(repositoryRoot, 'node_modules', '.bin', 'tsx'),
        [
          join(repositoryRoot, 'bin', 'tripstream.ts'),
          'local',
          '--start',
          files.start,
          '--end',
          files.end,
          '--out',
          outDir,
          '--order',
          order,
        ],
        {
          cwd: repositoryRoot,
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      const summary = JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8')) as RunSummary;
      const completed = summary.trips_completed;
      figures[`${order}: trips completed`] = completed;
      figures[`${order}: DynamoDB write attempts / 1k trips`] = perThousand(summary.aws_requests.DynamoDB?.UpdateItem ?? 0, completed);
      figures[`${order}: successful trip writes / 1k trips`] = perThousand(
        summary.ledger.start.applied + summary.ledger.end.applied,
        completed,
      );
      figures[`${order}: SQS SendMessage / 1k trips`] = perThousand(summary.aws_requests.SQS?.SendMessage ?? 0, completed);
      figures[`${order}: SQS requests (all) / 1k trips`] = perThousand(sum(summary.aws_requests.SQS), completed);
      figures[`${order}: Lambda invocations / 1k trips`] = perThousand(sum(summary.lambda_invocations), completed);
      figures[`${order}: redrive invocations / 1k trips`] = perThousand(summary.lambda_invocations.redrive ?? 0, completed);
      figures[`${order}: ledger balanced`] = String(summary.ledger.balanced);
      figures[`${order}: wall time s`] = (summary.duration_ms / 1000).toFixed(1);
    }
    return { figures };
  },
};
