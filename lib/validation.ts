/**
 * The project's validator: zod/mini, the tree-shakable build of zod, because these schemas are bundled into
 * every Lambda handler and classic zod alone was 440 KB of each bundle (docs/adr/0006-lean-handler-bundles.md).
 *
 * zod/mini loads no locale, so every failure would read "Invalid input". The English locale is configured
 * here, once, before any schema runs: messages name what is wrong ("expected number, received string"), as
 * DLQ reasons, quarantine reasons and start-up errors must. Every module imports `z` from here, never from
 * zod directly, so no schema can run without it.
 */
import * as z from 'zod/mini';
import { en } from 'zod/locales';

z.config(en());

export { z };

/** Turns a validation failure into one line an operator can act on (it goes into DLQ messages and quarantine). */
export function describeIssues(error: z.core.$ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(event)'}: ${issue.message}`)
    .join('; ');
}
