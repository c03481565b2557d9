/**
 * Runs spark/daily_kpis_job.py with the pinned PySpark's spark-submit in local mode, with the
 * sparkSubmitParameters EMR Serverless gets (kpi/job-run.ts), and reads what either engine wrote.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { SPARK_SUBMIT_PARAMETERS } from '../../kpi/job-run';
import { SPARK_JOB_FILES } from '../../lib/config';
import { type ProcessResult, REPOSITORY_ROOT, runProcess, venvExecutable } from './python-tools';

/**
 * The JVM start and a few stages: tens of seconds per run on a quiet machine, minutes on two cores shared with
 * other work (a run of eight dates took over 180 s at a load of 20).
 */
export const SPARK_RUN_TIMEOUT_MS = 600_000;

/**
 * Local mode on the machine's two cores. Fewer shuffle partitions than Spark's 200 only save time: the
 * result of the SQL does not depend on them. Everything else is the deployed configuration.
 */
const LOCAL_MODE_ARGUMENTS = [
  '--master',
  'local[2]',
  '--conf',
  'spark.sql.shuffle.partitions=4',
  // Local mode's one process is driver and executor; deployed, the workers' sizes are the application's.
  '--conf',
  'spark.driver.memory=2g',
  '--conf',
  'spark.ui.enabled=false',
  // The driver would otherwise bind to the machine's first network interface; here it stays on loopback.
  '--conf',
  'spark.driver.host=127.0.0.1',
  '--conf',
  'spark.driver.bindAddress=127.0.0.1',
];

export interface SparkJobRun {
  readonly input: string;
  readonly output: string;
  readonly dates: readonly string[];
  /** SPARK_RUN_TIMEOUT_MS unless given: a benchmark's millions of trips take longer. */
  readonly timeoutMs?: number;
}

/** Where a run writes its per-dimension KPIs: beside `output`, as daily-kpis-by-dimension/ beside daily-kpis/. */
export function dimensionOutputOf(output: string): string {
  return `${output.replace(/\/+$/, '')}-by-dimension`;
}

const JOB_DIR = path.join(REPOSITORY_ROOT, 'spark');

/**
 * spark-submit in local mode with the deployed submit parameters, of `script` with `pyFiles` beside it (as on
 * EMR Serverless, kpi/job-run.ts, the generated schema module is shipped beside the entry point).
 */
export function sparkSubmit(
  script: string,
  pyFiles: readonly string[],
  args: readonly string[],
  timeoutMs = SPARK_RUN_TIMEOUT_MS,
): Promise<ProcessResult> {
  return runProcess(
    venvExecutable('spark-submit'),
    [...LOCAL_MODE_ARGUMENTS, ...SPARK_SUBMIT_PARAMETERS.split(/\s+/), '--py-files', pyFiles.join(','), script, ...args],
    {
      env: {
        ...process.env,
        PYSPARK_PYTHON: venvExecutable('python'),
        PYSPARK_DRIVER_PYTHON: venvExecutable('python'),
        SPARK_LOCAL_IP: '127.0.0.1',
      },
      timeoutMs,
    },
  );
}

/** The job's modules a script beside it imports (the bench's bare read reads the staged trips as the job does). */
export const SPARK_JOB_MODULES = [path.join(JOB_DIR, SPARK_JOB_FILES.schemaModule), path.join(JOB_DIR, SPARK_JOB_FILES.entryPoint)];

export function runSparkJob(run: SparkJobRun): Promise<ProcessResult> {
  return sparkSubmit(
    path.join(JOB_DIR, SPARK_JOB_FILES.entryPoint),
    [path.join(JOB_DIR, SPARK_JOB_FILES.schemaModule)],
    [
      '--input',
      run.input,
      '--output',
      run.output,
      '--groups-sql',
      path.join(JOB_DIR, SPARK_JOB_FILES.groupsSql),
      '--sql',
      path.join(JOB_DIR, SPARK_JOB_FILES.sql),
      '--dimension-output',
      dimensionOutputOf(run.output),
      '--dimension-sql',
      path.join(JOB_DIR, SPARK_JOB_FILES.dimensionSql),
      '--dates',
      run.dates.join(','),
    ],
    run.timeoutMs,
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
