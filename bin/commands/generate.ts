/**
 * `tripstream generate --out DIR [--trips N] [--seed S] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json]`
 * Writes DIR/trip_start.csv, DIR/trip_end.csv and DIR/expected.json (the ground truth of the sample).
 */
import { Command, InvalidArgumentError } from 'commander';
import { errorText } from '../../domain/error-text';
import { addDays, isCalendarDate } from '../../kpi/dates';
import { DEFAULT_SAMPLE_OPTIONS, type GeneratedSample, generateSample, WITHHELD_DIR, writeSampleFiles } from '../../tools/sample-generator';
import { jsonText, withVersionAndExitCodes } from '../cli';
import { type SampleArguments, withSampleOptions } from './sample-options';

interface GenerateArguments extends SampleArguments {
  out: string;
  withholdStarts: number;
  from: string;
  to?: string;
  json?: boolean;
}

function wholeNumber(text: string): number {
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text)))
    throw new InvalidArgumentError('expected a whole number (0 or more).');
  return Number(text);
}

function calendarDate(text: string): string {
  if (!isCalendarDate(text)) throw new InvalidArgumentError('must be a real date as YYYY-MM-DD.');
  return text;
}

/** Pickup days from `from` to `to`, both included. */
function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

export function generateCommand(): Command {
  const defaultTo = addDays(DEFAULT_SAMPLE_OPTIONS.startDate, DEFAULT_SAMPLE_OPTIONS.days - 1);
  const command = new Command('generate').description(
    'Generate a seeded trip_start.csv / trip_end.csv pair in the real dataset layout (duplicates, conflicts, ' +
      'malformed rows, orphans, dropoffs before pickups, several days), plus expected.json: what the pipeline ' +
      'must make of it. The same options always give the same files.',
  );
  withSampleOptions(
    command.requiredOption('--out <dir>', 'directory to write the three files into (created if missing)'),
    'distinct trip_ids in the sample',
  )
    .option('--from <YYYY-MM-DD>', 'first pickup date', calendarDate, DEFAULT_SAMPLE_OPTIONS.startDate)
    .option(
      '--to <YYYY-MM-DD>',
      `last pickup date, included (default: ${DEFAULT_SAMPLE_OPTIONS.days - 1} days after --from, ${defaultTo} for the default --from)`,
      calendarDate,
    )
    .option(
      '--withhold-starts <n>',
      `leave the starts of n completing trips out of trip_start.csv and write them to ${WITHHELD_DIR}/trip_start.csv (with a header-only ${WITHHELD_DIR}/trip_end.csv): their ends become ORPHAN_END dead letters, which a later run with --redrive completes`,
      wholeNumber,
      0,
    )
    .option('--json', 'print the files written and the ground truth counts as JSON')
    .allowExcessArguments(false)
    .showSuggestionAfterError(false);
  withVersionAndExitCodes(command);

  command.action(async (args: GenerateArguments) => {
    const to = args.to ?? addDays(args.from, DEFAULT_SAMPLE_OPTIONS.days - 1);
    if (to < args.from) command.error(`error: --to ${to} is before --from ${args.from}`);
    let sample: GeneratedSample;
    try {
      sample = generateSample({
        trips: args.trips,
        seed: args.seed,
        days: daysBetween(args.from, to),
        startDate: args.from,
        withholdStarts: args.withholdStarts,
      });
    } catch (error) {
      return command.error(`error: ${errorText(error)}`);
    }
    const paths = await writeSampleFiles(sample, args.out);
    const { expected } = sample;
    if (args.json === true) {
      process.stdout.write(
        jsonText({
          files: paths,
          rows: expected.rows,
          quarantined: expected.quarantined,
          trips_completed: expected.completedTripIds.length,
          kpi_dates: expected.kpiDates,
          dead_lettered: expected.deadLettered.total,
          ...(paths.withheld === undefined ? {} : { withheld: paths.withheld }),
        }),
      );
      return;
    }
    console.log(
      `wrote ${paths.start} (${expected.rows.start} rows, ${expected.quarantined.start} malformed), ` +
        `${paths.end} (${expected.rows.end} rows, ${expected.quarantined.end} malformed) and ${paths.expected}: ` +
        `${expected.completedTripIds.length} trips complete over ${expected.kpiDates.length} pickup dates, ` +
        `${expected.deadLettered.total} dead-lettered` +
        (paths.withheld === undefined
          ? ''
          : `; ${args.withholdStarts} starts withheld in ${paths.withheld.start} (with ${paths.withheld.end})`),
    );
  });
  return command;
}
