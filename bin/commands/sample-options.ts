/**
 * `--trips` and `--seed` of the generated sample, the same flags with the same defaults for `tripstream local`
 * and `tripstream generate` (the generator's DEFAULT_SAMPLE_OPTIONS): the same options give the same files.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { DEFAULT_SAMPLE_OPTIONS } from '../../tools/sample-generator';
import { positiveInteger } from '../cli';

export interface SampleArguments {
  trips: number;
  seed: string;
}

function nonBlank(text: string): string {
  if (text.trim() === '') throw new InvalidArgumentError('must not be blank.');
  return text;
}

export function withSampleOptions(command: Command, tripsHelp: string): Command {
  return command
    .option('--trips <n>', tripsHelp, positiveInteger, DEFAULT_SAMPLE_OPTIONS.trips)
    .option(
      '--seed <text>',
      'seed of the sample generator (any text; the same seed gives the same sample)',
      nonBlank,
      String(DEFAULT_SAMPLE_OPTIONS.seed),
    );
}
