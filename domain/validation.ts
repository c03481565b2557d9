/**
 * The project's validator: zod/mini, the tree-shakable build of zod, because these schemas are bundled into
 * every Lambda handler and classic zod alone was 440 KB of each bundle (docs/adr/0006-lean-handler-bundles.md).
 * Import it as a namespace (`import * as z from '../validation'`): the bundler then keeps only the parts used.
 *
 * zod/mini loads no locale, so every failure would read "Invalid input". The English locale is configured
 * here, once, before any schema runs: messages name what is wrong ("expected number, received string"), as
 * DLQ reasons, quarantine reasons and start-up errors must. Every module imports zod from here, never from
 * zod directly, so no schema can run without it.
 */

import { en } from 'zod/locales';
import { config, type core } from 'zod/mini';

config(en());

export * from 'zod/mini';

/** Turns a validation failure into one line an operator can act on (it goes into DLQ messages and quarantine). */
export function describeIssues(error: core.$ZodError): string {
  return error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(event)'}: ${issue.message}`).join('; ');
}
