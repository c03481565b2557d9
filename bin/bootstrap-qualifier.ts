/**
 * Prints the CDK bootstrap qualifier an environment's stacks are synthesized with (lib/config.ts), for scripts
 * that name its bootstrap roles, e.g. the deploy workflow's lookup role: `npx tsx bin/bootstrap-qualifier.ts prod`.
 */
import { environments, isEnvironmentName } from '../lib/config';

const requested = process.argv[2] ?? '';
if (!isEnvironmentName(requested)) {
  console.error(`usage: bootstrap-qualifier <${Object.keys(environments).join('|')}>, got ${JSON.stringify(requested)}`);
  process.exit(2);
}
console.log(environments[requested].bootstrapQualifier);
