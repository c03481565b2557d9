/**
 * `tripstream cost --summary <out>/summary.json [--trips-per-month N] [--env dev|prod] [--json]`
 * What an environment costs per 1M completed trips and per month, from a local run's measured requests, the
 * environment's settings and the price table in lib/cost/prices.ts (docs/cost.md).
 */
import type { Command } from 'commander';
import { buildCostProgram } from '../../lib/cost/cost-command';

export function costCommand(): Command {
  return buildCostProgram({ writeOut: (text) => process.stdout.write(text) });
}
