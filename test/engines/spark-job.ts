/**
 * Runs spark/daily_kpis_job.py with the pinned PySpark's spark-submit in local mode, with the
 * sparkSubmitParameters EMR Serverless gets (lib/kpi/job-run.ts), and reads what either engine wrote.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { SPARK_JOB_FILES } from '../../lib/config';
import { SPARK_SUBMIT_PARAMETERS } from '../../lib/kpi/job-run';
import { REPOSITORY_ROOT, runProcess, venvExecutable, type ProcessResult } from './python-tools';

/** The JVM start and a few stages on two shared cores: tens of seconds per run. */
export const SPARK_RUN_TIMEOUT_MS = 180_000;

/**
 * Local mode on the machine's two cores. Fewer shuffle partitions than Spark's 200 only save time: the
 * result of the SQL does not depend on them. Everything else is the deployed configuration.
 */
const LOCAL_MODE_ARGUMENTS = [
  '--master', 'local[2]',
  '--conf', 'spark.sql.shuffle.partitions=4',
  '--conf', 'spark.ui.enabled=false',
  // The driver would otherwise bind to the machine's first network interface; here it stays on loopback.
  '--conf', 'spark.driver.host=127.0.0.1',
  '--conf', 'spark.driver.bindAddress=127.0.0.1',
];

export interface SparkJobRun {
  readonly input: string;
  readonly output: string;
  readonly dates: readonly string[];
}

/** Where a run writes its per-dimension KPIs: beside `output`, as daily-kpis-by-dimension/ beside daily-kpis/. */
export function dimensionOutputOf(output: string): string {
  return `${output.replace(/\/+$/, '')}-by-dimension`;
}

export function runSparkJob(run: SparkJobRun): Promise<ProcessResult> {
  const jobDir = path.join(REPOSITORY_ROOT, 'spark');
  return runProcess(
    venvExecutable('spark-submit'),
    [
      ...LOCAL_MODE_ARGUMENTS,
      ...SPARK_SUBMIT_PARAMETERS.split(/\s+/),
      // As on EMR Serverless (lib/kpi/job-run.ts): the generated module is shipped beside the entry point.
      '--py-files', path.join(jobDir, SPARK_JOB_FILES.schemaModule),
      path.join(jobDir, SPARK_JOB_FILES.entryPoint),
      '--input', run.input,
      '--output', run.output,
      '--sql', path.join(jobDir, SPARK_JOB_FILES.sql),
      '--dimension-output', dimensionOutputOf(run.output),
      '--dimension-sql', path.join(jobDir, SPARK_JOB_FILES.dimensionSql),
      '--dates', run.dates.join(','),
    ],
    {
      env: {
        ...process.env,
        PYSPARK_PYTHON: venvExecutable('python'),
        PYSPARK_DRIVER_PYTHON: venvExecutable('python'),
        SPARK_LOCAL_IP: '127.0.0.1',
      },
      timeoutMs: SPARK_RUN_TIMEOUT_MS,
    },
  );
}

/** The JSON objects of every `trip_date=D/*.json` file under `kpiDir`, by date, as written (no conversion). */
export async function readWrittenKpiRows(kpiDir: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const partition of (await readdir(kpiDir)).filter((name) => name.startsWith('trip_date=')).sort()) {
    const files = (await readdir(path.join(kpiDir, partition))).filter((name) => name.endsWith('.json') && !name.startsWith('.')).sort();
    for (const file of files) {
      const text = await readFile(path.join(kpiDir, partition, file), 'utf8');
      for (const line of text.split('\n')) if (line !== '') rows.push(JSON.parse(line) as Record<string, unknown>);
    }
  }
  return rows;
}

/** The last lines of a failed run, for the assertion message. */
export function tail(result: ProcessResult, lines = 40): string {
  return `exit ${result.code}\n${result.stderr.split('\n').slice(-lines).join('\n')}`;
}
