/**
 * `npm run local` against a third-party AWS emulator: moto's server (pinned in requirements-dev.txt) serves
 * Kinesis, SQS and S3 through AWS_ENDPOINT_URL_<SERVICE>, so those embedded emulators do not start. DynamoDB
 * and its streams stay on the embedded DynamoDB Local: moto's DynamoDB does not isolate concurrent writes to
 * one item (its UpdateItem reads the item, then writes it, with no lock), and a trip whose two halves were
 * written at the same moment kept only one on a loaded machine, every UpdateItem having been sent
 * (docs/local-runtime.md). Two runs on the same moto: the second finds (and replaces) the first one's resources and must still
 * be exact. Expectations come from the generator's ground truth (`npm run generate` writes expected.json).
 */

import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DailyKpiRow } from '../../kpi/daily-kpi';
import type { RunSummary } from '../../local/run/run';
import type { SampleGroundTruth } from '../../tools/sample-generator';
import { expectKpisWithinACent } from '../support/daily-kpi';
import { type CliRun, LOCAL_RUN_TIMEOUT_MS, readKpiFiles, runLocalCli } from '../support/local-run';
import { type MotoServer, startMoto, stopMoto } from '../support/moto-server';
import { checkPythonTool, describeWithPythonTool, REPOSITORY_ROOT, runProcess } from '../support/python-tools';

jest.setTimeout(3 * LOCAL_RUN_TIMEOUT_MS);

const moto = checkPythonTool('moto', 'moto_server');
interface MotoRun {
  cli: CliRun;
  summary: RunSummary;
  kpis: DailyKpiRow[];
}

describeWithPythonTool(
  'npm run local against moto_server for Kinesis, SQS and S3 (AWS_ENDPOINT_URL_<SERVICE>), DynamoDB on the embedded emulator (moto does not isolate writes to one item)',
  moto,
  () => {
    let server: MotoServer | undefined;
    let expected: SampleGroundTruth;
    const runs: MotoRun[] = [];

    beforeAll(async () => {
      server = await startMoto();
      const workDir = await mkdtemp(path.join(tmpdir(), 'tripstream-moto-'));
      const inputDir = path.join(workDir, 'input');
      const generated = await runProcess(
        path.join(REPOSITORY_ROOT, 'node_modules', '.bin', 'tsx'),
        [
          path.join('bin', 'tripstream.ts'),
          'generate',
          '--out',
          inputDir,
          '--trips',
          '240',
          '--seed',
          'moto',
          '--from',
          '2024-05-25',
          '--to',
          '2024-05-26',
        ],
        { timeoutMs: 60_000 },
      );
      if (generated.code !== 0) throw new Error(`npm run generate failed: ${generated.stderr}`);
      expected = JSON.parse(await readFile(path.join(inputDir, 'expected.json'), 'utf8')) as SampleGroundTruth;
      for (const attempt of ['first', 'second']) {
        const outDir = path.join(workDir, `out-${attempt}`);
        const cli = await runLocalCli(
          ['--start', path.join(inputDir, 'trip_start.csv'), '--end', path.join(inputDir, 'trip_end.csv'), '--out', outDir],
          {
            AWS_ENDPOINT_URL_KINESIS: server.endpoint,
            AWS_ENDPOINT_URL_SQS: server.endpoint,
            AWS_ENDPOINT_URL_S3: server.endpoint,
            AWS_REGION: 'eu-west-1',
            AWS_ACCESS_KEY_ID: 'mototest',
            AWS_SECRET_ACCESS_KEY: 'mototest',
          },
        );
        if (cli.code !== 0) throw new Error(`the ${attempt} run against moto failed (exit ${cli.code}):\n${cli.stderr.slice(-3000)}`);
        const summary = JSON.parse(await readFile(path.join(outDir, 'summary.json'), 'utf8')) as RunSummary;
        runs.push({ cli, summary, kpis: await readKpiFiles(path.join(outDir, 'daily-kpis')) });
      }
    });

    afterAll(() => stopMoto(server));

    it.each([0, 1])('run %i: moto serves Kinesis, SQS and S3; DynamoDB Local serves DynamoDB', (index) => {
      // Prepare
      const endpoint = server?.endpoint ?? 'no moto';

      // Assess
      const motoEndpoint = endpoint.replaceAll('.', '\\.');
      expect(runs[index]?.cli.stderr).toMatch(
        new RegExp(
          `emulators: dynamodb=DynamoDB Local http://127\\.0\\.0\\.1:\\d+, kinesis=external ${motoEndpoint}, sqs=external ${motoEndpoint}, s3=external ${motoEndpoint}`,
        ),
      );
    });

    it.each([0, 1])('run %i: the live metrics count every completion once, checked against the KPIs', (index) => {
      // Assess
      expect(runs[index]?.summary.live_metrics).toEqual({
        trips_counted: expected.completedTripIds.length,
        open_trips: runs[index]?.summary.open_trips,
        agrees_with_kpis: true,
        disagreements: [],
      });
    });

    it.each([0, 1])("run %i: rows, completed trips and dead letters are the generator's", (index) => {
      // Prepare
      const summary = runs[index]?.summary;
      const reasons = Object.fromEntries(Object.entries(expected.deadLettered.byReason).filter(([, count]) => count > 0));

      // Assess
      expect(summary?.rows).toEqual(expected.rows);
      expect(summary?.quarantined).toEqual(expected.quarantined);
      expect(summary?.sent).toEqual(expected.valid);
      expect(summary?.trips_completed).toBe(expected.completedTripIds.length);
      expect(summary?.dead_lettered.by_reason).toEqual(reasons);
      expect(summary?.kpi_dates).toEqual(expected.kpiDates);
    });

    it.each([0, 1])('run %i: every record sent is accounted for, duplicates and open trips included', (index) => {
      // Prepare
      const summary = runs[index]?.summary;

      // Assess
      expect(summary?.ledger.balanced).toBe(true);
      expect(summary?.duplicates_ignored).toBe(expected.exactDuplicates.start + expected.exactDuplicates.end);
      expect(summary?.open_trips).toBe(expected.startedOnlyIds.length + expected.dropoffBeforePickupIds.length);
    });

    it.each([0, 1])("run %i: the daily KPIs are the generator's, to the cent", (index) => {
      // Prepare
      const kpis = runs[index]?.kpis ?? [];

      // Assess
      expectKpisWithinACent(kpis, expected.dailyKpis);
    });
  },
);
