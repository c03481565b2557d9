/**
 * `npm run generate -- --out DIR [--trips N] [--seed S] [--days D] [--start-date YYYY-MM-DD]`
 * Writes DIR/trip_start.csv, DIR/trip_end.csv and DIR/expected.json (the ground truth of the sample).
 */
import { Command, InvalidArgumentError } from 'commander';
import { runCommand } from '../lib/cli';
import { DEFAULT_SAMPLE_OPTIONS, generateSample, resolveOptions, writeSampleFiles } from '../tools/sample-generator';

interface GenerateArguments {
  out: string;
  trips: number;
  seed: string;
  days: number;
  startDate: string;
}

function positiveInteger(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new InvalidArgumentError('must be a whole number of at least 1.');
  }
  return Number(text);
}

function calendarDate(text: string): string {
  try {
    return resolveOptions({ startDate: text }).startDate;
  } catch {
    throw new InvalidArgumentError('must be a real date as YYYY-MM-DD.');
  }
}

function nonBlank(text: string): string {
  if (text.trim() === '') throw new InvalidArgumentError('must not be blank.');
  return text;
}

const command = new Command('generate')
  .description(
    'Generate a seeded trip_start.csv / trip_end.csv pair in the real dataset layout (duplicates, conflicts, ' +
      'malformed rows, orphans, dropoffs before pickups, several days), plus expected.json: what the pipeline ' +
      'must make of it. The same options always give the same files.',
  )
  .requiredOption('--out <dir>', 'directory to write the three files into (created if missing)')
  .option('--trips <n>', 'distinct trip_ids in the sample', positiveInteger, DEFAULT_SAMPLE_OPTIONS.trips)
  .option('--seed <s>', 'seed of the random generator (any text)', nonBlank, String(DEFAULT_SAMPLE_OPTIONS.seed))
  .option('--days <d>', 'pickup dates span this many UTC days', positiveInteger, DEFAULT_SAMPLE_OPTIONS.days)
  .option('--start-date <date>', 'first pickup date (YYYY-MM-DD)', calendarDate, DEFAULT_SAMPLE_OPTIONS.startDate)
  .showSuggestionAfterError(true)
  .action(async (args: GenerateArguments) => {
    const sample = generateSample({ trips: args.trips, seed: args.seed, days: args.days, startDate: args.startDate });
    const paths = await writeSampleFiles(sample, args.out);
    const { expected } = sample;
    console.log(
      `wrote ${paths.start} (${expected.rows.start} rows, ${expected.quarantined.start} malformed), ` +
        `${paths.end} (${expected.rows.end} rows, ${expected.quarantined.end} malformed) and ${paths.expected}: ` +
        `${expected.completedTripIds.length} trips complete over ${expected.kpiDates.length} pickup dates, ` +
        `${expected.deadLettered.total} dead-lettered`,
    );
  });

void runCommand(command);
