/**
 * `npm run cost -- --summary <out>/summary.json [--trips-per-month N] [--env dev|prod] [--json]`
 * What an environment costs per 1M completed trips and per month, from a local run's measured requests,
 * the environment's settings and the price table in lib/cost/prices.ts (docs/cost.md).
 */
import { runCommand } from '../lib/cli';
import { buildCostProgram } from '../lib/cost/cost-command';

void runCommand(buildCostProgram());
