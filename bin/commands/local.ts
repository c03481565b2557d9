/**
 * `tripstream local --start <trip_start.csv> --end <trip_end.csv> --out <dir> [--order ...]`: the whole
 * pipeline on this machine (docs/local-runtime.md). Without --start/--end it generates a seeded, realistic
 * sample first and runs that.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { EXIT_CODES, jsonText, positiveInteger, withVersionAndExitCodes } from '../../lib/cli';
import { localSettings } from '../../lib/config';
import { formatKpiTable } from '../../lib/kpi/format';
import { SEND_ORDERS, type SendOrder } from '../../producer/ordering';
import { FAILURE_INJECTION_VARIABLE, NO_FAULTS, parseFailureInjection, parseFaultRate, type FaultInjection } from '../../local/run/failure-injection';
import { describeLedger } from '../../local/run/ledger';
import { withStreamShards } from '../../local/run/resources';
import { runLocalPipeline, type RunSummary } from '../../local/run/run';
import { generateSample, writeSampleFiles } from '../../tools/sample-generator';
import { withSampleOptions, type SampleArguments } from './sample-options';

const DEFAULT_OUT_DIR = '.local/run';

interface LocalArguments extends SampleArguments {
  start?: string;
  end?: string;
  out: string;
  order: SendOrder;
  timeout: number;
  handlerLogLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  injectFaults?: Pick<FaultInjection, 'rate' | 'seed'>;
  redrive?: string;
  replay?: string;
  serve?: number;
  liveMetrics: boolean;
  json?: boolean;
  rate?: number;
  shards?: number;
}

function faultRate(value: string): Pick<FaultInjection, 'rate' | 'seed'> {
  try {
    return parseFaultRate(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}

function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError('must be a positive number');
  return parsed;
}

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) throw new InvalidArgumentError('must be a port number from 0 to 65535 (0: any free port)');
  return parsed;
}

function program(): Command {
  const command = new Command('local')
    .description(
      'Runs the whole trip pipeline on this machine against embedded emulators, then the daily KPI job.\n' +
        'Without --start/--end, a seeded sample (duplicates, malformed rows, orphans, several days) is generated and run.',
    )
    .option('--start <csv>', 'trip_start.csv to produce')
    .option('--end <csv>', 'trip_end.csv to produce')
    .option('--out <dir>', 'where summary.json, daily-kpis/, dead letters and quarantine go', DEFAULT_OUT_DIR)
    .addOption(new Option('--order <order>', 'send order of the producer').choices(SEND_ORDERS).default('event-time'))
    .option('--timeout <seconds>', 'fail if the pipeline has not drained by then', positiveInteger, 600)
    .addOption(
      new Option('--handler-log-level <level>', 'log level of the handlers').choices(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('ERROR'),
    );
  withSampleOptions(command, 'trips in the generated sample (without --start/--end)')
    .option(
      '--inject-faults <rate[:seed]>',
      `fail that share of handler record deliveries (reported item failures and function errors) and throttle that share of the handlers' AWS calls; rate in [0, 1), seed an integer (default ${NO_FAULTS.seed})`,
      faultRate,
    )
    .option('--redrive <dead-letters.jsonl>', "an earlier run's dead letters, redriven into this run through the retry queue")
    .option('--replay <raw-dir>', "an earlier run's raw archive (<out>/raw/), replayed into this run's streams after the CSVs (alone without --start/--end)")
    .option('--serve <port>', 'serve the live page and the metrics API on 127.0.0.1:<port> during the run and after it, until interrupted', port)
    .option('--rate <trips/s>', 'pace the producer as a live feed of this many trips per second (local time; summary.json pacing names the deployed rate it stands for)', positiveNumber)
    .option('--shards <n>', "shards per Kinesis stream and of the trips table's stream as its consumers see it: n consumers of each mapping at once (default: 2 per stream, 1 table stream shard)", positiveInteger)
    .option('--no-live-metrics', 'do not run the live-metrics consumer (for an emulator that cannot run its transactions, e.g. moto)')
    .option('--json', "print the run's summary (summary.json) on stdout instead of the KPI table and the summary text")
    .allowExcessArguments(false)
    .configureOutput({ outputError: (text, write) => write(text.split('\n')[0] + '\n') });
  return withVersionAndExitCodes(command);
}

function validateInputs(command: Command, args: LocalArguments): void {
  if ((args.start === undefined) !== (args.end === undefined)) {
    command.error('error: --start and --end go together (give both, or neither to run a generated sample)');
  }
  for (const file of [args.start, args.end, args.redrive, args.replay]) {
    if (file !== undefined && !existsSync(file)) command.error(`error: no such file: ${file}`);
  }
  if (args.replay !== undefined && path.resolve(args.replay).startsWith(path.resolve(args.out, 'raw'))) {
    command.error('error: --replay reads the raw archive of an earlier run; give that run a different --out than this one (a run clears its own raw/)');
  }
}

/** --inject-faults together with the targeted failures of TRIPSTREAM_LOCAL_FAIL (used by tests). */
function faultsToInject(command: Command, args: LocalArguments): FaultInjection {
  try {
    return { ...NO_FAULTS, ...args.injectFaults, targeted: parseFailureInjection(process.env[FAILURE_INJECTION_VARIABLE]) };
  } catch (error) {
    return command.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function formatSummary(summary: RunSummary): string {
  const dead = summary.dead_lettered;
  const reasons = Object.entries(dead.by_reason).map(([reason, count]) => `${reason} ${count}`).join(', ') || 'none';
  const invocations = Object.entries(summary.lambda_invocations).map(([name, count]) => `${name} ${count}`).join(', ');
  const requests = Object.values(summary.aws_requests).reduce((sum, byOperation) => sum + Object.values(byOperation).reduce((a, b) => a + b, 0), 0);
  return [
    `rows:               start ${summary.rows.start}, end ${summary.rows.end}`,
    `quarantined:        start ${summary.quarantined.start}, end ${summary.quarantined.end}`,
    `sent:               start ${summary.sent.start}, end ${summary.sent.end}`,
    `trips completed:    ${summary.trips_completed}`,
    `open trips:         ${summary.open_trips} (starts whose end never arrived)`,
    `duplicates ignored: ${summary.duplicates_ignored}`,
    `dead-lettered:      ${dead.total} (${reasons}); on-failure batches ${dead.on_failure_batches}, moved by redrive policy ${dead.moved_by_redrive_policy}`,
    `KPI dates:          ${summary.kpi_dates.join(', ') || 'none'}`,
    `raw archive:        start ${summary.raw_archive.records.start}, end ${summary.raw_archive.records.end} records in ${summary.raw_archive.objects} objects`,
    ...(summary.redriven === undefined ? [] : [`redriven:           ${summary.redriven.redriven} of ${summary.redriven.letters} letters (${summary.redriven.left.length} left: no replayable event)`]),
    ...(summary.replayed === undefined ? [] : [`replayed:           start ${summary.replayed.sent.start}, end ${summary.replayed.sent.end}`]),
    `lambda invocations: ${invocations}`,
    ...describeLedger(summary.ledger).map((line) => `ledger ${line}`),
    `faults injected:    ${summary.faults_injected.record_failures} record failures, ${summary.faults_injected.function_errors} function errors, ${summary.faults_injected.throttles} throttles`,
    `AWS requests:       ${requests}`,
    `duration:           ${(summary.duration_ms / 1000).toFixed(1)}s`,
  ].join('\n');
}

/** The sample and its ground truth (expected.json) go to `<out>/sample/`, so a run can be checked by hand. */
async function writeGeneratedSample(args: LocalArguments): Promise<{ start: string; end: string }> {
  const paths = await writeSampleFiles(generateSample({ trips: args.trips, seed: args.seed }), path.join(args.out, 'sample'));
  return { start: paths.start, end: paths.end };
}

async function runLocal(command: Command): Promise<void> {
  const args = command.opts<LocalArguments>();
  validateInputs(command, args);
  const faults = faultsToInject(command, args);
  const log = (line: string): void => {
    process.stderr.write(`[local] ${line}\n`);
  };
  const abort = new AbortController();
  const interrupt = (): void => {
    log('interrupted: stopping the emulators');
    abort.abort();
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  let inputs: { start?: string; end?: string } = {};
  if (args.start !== undefined && args.end !== undefined) inputs = { start: args.start, end: args.end };
  else if (args.replay === undefined) {
    const sample = await writeGeneratedSample(args);
    log(`generated a sample of ${args.trips} trips (seed ${args.seed}) in ${path.dirname(sample.start)}`);
    inputs = sample;
  }
  if (faults.rate > 0) log(`injecting faults: rate ${faults.rate}, seed ${faults.seed}`);
  const result = await runLocalPipeline({
    ...inputs,
    ...(args.redrive === undefined ? {} : { redrive: args.redrive }),
    ...(args.replay === undefined ? {} : { replay: args.replay }),
    outDir: args.out,
    order: args.order,
    settings: args.shards === undefined ? localSettings : withStreamShards(localSettings, args.shards),
    ...(args.shards === undefined ? {} : { tableStreamShards: args.shards }),
    timeoutMs: args.timeout * 1000,
    handlerLogLevel: args.handlerLogLevel,
    log,
    signal: abort.signal,
    faults,
    liveMetrics: args.liveMetrics,
    ...(args.rate === undefined ? {} : { rateTripsPerSecond: args.rate }),
    ...(args.serve === undefined ? {} : { servePort: args.serve, onServing: (url: string) => log(`live page and metrics API on ${url}`) }),
  }).catch((error: unknown) => {
    throw new Error(`local run failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  });
  if (args.json === true) process.stdout.write(jsonText(result.summary));
  else {
    const kpiTable = result.kpis.length === 0 ? '(no completed trips: no KPIs)' : formatKpiTable(result.kpis);
    process.stdout.write(`\nDaily KPIs\n${kpiTable}\n\nSummary (${result.summaryPath})\n${formatSummary(result.summary)}\n`);
  }
  const replayedUnsent = result.summary.replayed === undefined ? 0 : result.summary.replayed.unsent.start + result.summary.replayed.unsent.end;
  const unsent = result.summary.unsent.start + result.summary.unsent.end + replayedUnsent;
  if (unsent > 0) {
    // Said now, not after a --serve session: the run's outcome is known once it has drained.
    process.stderr.write(`error: ${unsent} valid rows could not be sent to Kinesis; see ${path.join(args.out, 'quarantine')}\n`);
    process.exitCode = EXIT_CODES.incomplete;
  }
  if (result.live !== undefined) {
    process.removeListener('SIGINT', interrupt);
    process.removeListener('SIGTERM', interrupt);
    log(`run drained; still serving ${result.live.url} (Ctrl-C to stop)`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await result.live.close();
  }
}

export function localCommand(): Command {
  const command = program();
  return command.action(() => runLocal(command));
}
