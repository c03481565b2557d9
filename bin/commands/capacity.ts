/**
 * `tripstream capacity --trips-per-second <n> [--env dev|prod] [--summary <out>/summary.json] [--json]`
 * Every component's load, the AWS limit it meets and its headroom at a sustained feed, from the environment's
 * settings and a run's measured requests per trip (docs/capacity.md).
 */
import type { Command } from 'commander';
import { buildCapacityProgram } from '../../lib/capacity/capacity-command';

export function capacityCommand(): Command {
  return buildCapacityProgram({ writeOut: (text) => process.stdout.write(text) });
}
