/**
 * `tripstream local --start <trip_start.csv> --end <trip_end.csv> --out <dir> [--order ...]`: the whole
 * pipeline on this machine (docs/local-runtime.md). Without --start/--end it generates a seeded, realistic
 * sample first and runs that.
 */
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { errorText } from '../../domain/error-text';
import { formatKpiTable } from '../../kpi/format';
import { localSettings } from '../../lib/config';
import {
  type FaultInjection,
  NO_FAULTS,
  parseFaultRate,
  parseTargetedFaults,
  TARGETED_FAULTS_VARIABLE,
} from '../../local/run/fault-injection';
import { checkRunInputs } from '../../local/run/input-checks';
import { withStreamShards } from '../../local/run/resources';
import { runLocalPipeline } from '../../local/run/run';
import { openRunFolder, type RunFolder, RunFolderError } from '../../local/run/run-folder';
import { formatRunSummary } from '../../local/run/summary-text';
import { SEND_ORDERS, type SendOrder } from '../../producer/ordering';
import { generateSample, writeSampleFiles } from '../../tools/sample-generator';
import { EXIT_CODES, jsonText, positiveInteger, positiveNumber, withVersionAndExitCodes } from '../cli';
import { watchWrapper } from '../wrapper-watch';
import { type SampleArguments, withSampleOptions } from './sample-options';

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
    throw new InvalidArgumentError(errorText(error));
  }
}

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535)
    throw new InvalidArgumentError('must be a port number from 0 to 65535 (0: any free port)');
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
    .option(
      '--replay <raw-dir>',
      "an earlier run's raw archive (<out>/raw/), replayed into this run's streams after the CSVs (alone without --start/--end)",
    )
    .option(
      '--serve <port>',
      'serve the live page and the metrics API on 127.0.0.1:<port> during the run and after it, until interrupted',
      port,
    )
    .option(
      '--rate <trips/s>',
      'pace the producer as a live feed of this many trips per second (local time; summary.json pacing names the deployed rate it stands for)',
      positiveNumber(),
    )
    .option(
      '--shards <n>',
      "shards per Kinesis stream and of the trips table's stream as its consumers see it: n consumers of each mapping at once (default: 2 per stream, 1 table stream shard)",
      positiveInteger,
    )
    .option('--no-live-metrics', 'do not run the live-metrics consumer (for an emulator that cannot run its transactions, e.g. moto)')
    .option('--json', "print the run's summary (summary.json) on stdout instead of the KPI table and the summary text")
    .allowExcessArguments(false)
    .configureOutput({ outputError: (text, write) => write(text.split('\n')[0] + '\n') });
  return withVersionAndExitCodes(command);
}

async function validateInputs(command: Command, args: LocalArguments): Promise<void> {
  if ((args.start === undefined) !== (args.end === undefined)) {
    command.error('error: --start and --end go together (give both, or neither to run a generated sample)');
  }
  const problems = await checkRunInputs(args);
  if (problems.length > 0) command.error(`error: ${problems.join('; ')}`);
}

/** --inject-faults together with the targeted faults of TRIPSTREAM_LOCAL_FAULTS (used by tests). */
function faultsToInject(command: Command, args: LocalArguments): FaultInjection {
  try {
    return { ...NO_FAULTS, ...args.injectFaults, targeted: parseTargetedFaults(process.env[TARGETED_FAULTS_VARIABLE]) };
  } catch (error) {
    return command.error(`error: ${errorText(error)}`);
  }
}

/** The sample and its ground truth (expected.json) go to `<out>/sample/`, so a run can be checked by hand. */
async function writeGeneratedSample(args: LocalArguments, outDir: string): Promise<{ start: string; end: string }> {
  const paths = await writeSampleFiles(generateSample({ trips: args.trips, seed: args.seed }), path.join(outDir, 'sample'));
  return { start: paths.start, end: paths.end };
}

/** SIGHUP too: a closed terminal or a wrapper's `kill -HUP` stops the run (and its Java child) like Ctrl-C. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Ctrl-C, `kill`, a hang-up, or the `npm run`/`npx` process that started this one going away (bin/wrapper-watch.ts). */
function onStopSignal(listener: () => void): () => void {
  let stopped = false;
  const once = (): void => {
    if (stopped) return;
    stopped = true;
    listener();
  };
  for (const signal of STOP_SIGNALS) process.once(signal, once);
  const stopWatching = watchWrapper(once);
  return () => {
    stopWatching();
    for (const signal of STOP_SIGNALS) process.removeListener(signal, once);
  };
}

async function runLocal(command: Command): Promise<void> {
  const args = command.opts<LocalArguments>();
  const faults = faultsToInject(command, args);
  await validateInputs(command, args);
  const log = (line: string): void => {
    process.stderr.write(`[local] ${line}\n`);
  };
  let folder: RunFolder;
  try {
    folder = await openRunFolder(args.out);
  } catch (error) {
    if (error instanceof RunFolderError) command.error(`error: ${error.message}`);
    throw error;
  }
  const abort = new AbortController();
  const stopListening = onStopSignal(() => {
    log('interrupted: stopping the emulators');
    abort.abort();
  });
  let served: { url: string; close: () => Promise<void> } | undefined;
  try {
    let inputs: { start?: string; end?: string } = {};
    if (args.start !== undefined && args.end !== undefined) inputs = { start: args.start, end: args.end };
    else if (args.replay === undefined) {
      const sample = await writeGeneratedSample(args, folder.staging);
      log(`generated a sample of ${args.trips} trips (seed ${args.seed}) in ${path.join(folder.out, 'sample')}`);
      inputs = sample;
    }
    if (faults.rate > 0) log(`injecting faults: rate ${faults.rate}, seed ${faults.seed}`);
    const result = await runLocalPipeline({
      ...inputs,
      ...(args.redrive === undefined ? {} : { redrive: args.redrive }),
      ...(args.replay === undefined ? {} : { replay: args.replay }),
      outDir: folder.staging,
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
      ...(args.serve === undefined
        ? {}
        : { servePort: args.serve, onServing: (url: string) => log(`live page and metrics API on ${url}`) }),
    }).catch(async (error: unknown) => {
      const message = errorText(error);
      const partial = await folder.abandon(message);
      const sentence = /[.!?]$/.test(message) ? message : `${message}.`;
      throw new Error(`local run failed: ${sentence} Its partial outputs are in ${partial}; ${folder.out} is as it was before this run.`, {
        cause: error,
      });
    });
    await folder.commit([args.start, args.end, args.redrive].filter((input): input is string => input !== undefined));
    served = result.live;
    if (args.json === true) process.stdout.write(jsonText(result.summary));
    else {
      const kpiTable = result.kpis.length === 0 ? '(no completed trips: no KPIs)' : formatKpiTable(result.kpis);
      process.stdout.write(
        `\nDaily KPIs\n${kpiTable}\n\nSummary (${path.join(folder.out, 'summary.json')})\n${formatRunSummary(result.summary, folder.out)}\n`,
      );
    }
    const replayedUnsent =
      result.summary.replayed === undefined ? 0 : result.summary.replayed.unsent.start + result.summary.replayed.unsent.end;
    const unsent = result.summary.unsent.start + result.summary.unsent.end + replayedUnsent;
    if (unsent > 0) {
      // Said now, not after a --serve session: the run's outcome is known once it has drained.
      process.stderr.write(`error: ${unsent} valid rows could not be sent to Kinesis; see ${path.join(folder.out, 'quarantine')}\n`);
      process.exitCode = EXIT_CODES.incomplete;
    }
  } finally {
    stopListening();
    await folder.release();
  }
  if (served !== undefined) {
    log(`run drained; still serving ${served.url} (Ctrl-C to stop)`);
    let stopListening: () => void = () => undefined;
    await new Promise<void>((resolve) => {
      stopListening = onStopSignal(resolve);
    });
    stopListening();
    await served.close();
  }
}

export function localCommand(): Command {
  const command = program();
  return command.action(() => runLocal(command));
}
