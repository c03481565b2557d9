/**
 * What every preflight check returns: a verdict a person can act on. `fail` is a finding (the deploy would
 * fail or the app would misbehave); `could-not-check` means the answer is unknown (access denied, endpoint
 * unreachable), never a pass.
 */
import { errorText } from '../../domain/error-text';

export type CheckStatus = 'pass' | 'fail' | 'could-not-check';

export interface CheckResult {
  /** Stable, for scripts reading `--json`. */
  readonly id: string;
  readonly title: string;
  readonly status: CheckStatus;
  /** What was found, with the numbers it was judged on. */
  readonly detail: string;
  /** What to do about a fail or a could-not-check; empty on a pass. */
  readonly fix: string;
}

/** The account and region the checks run against, as STS and the client configuration resolved them. */
export interface PreflightTarget {
  readonly account: string;
  readonly region: string;
}

export function errorName(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string') return error.name;
  return 'Error';
}

/** One line: the service's error name and the first line of its message. */
export function errorLine(error: unknown): string {
  const message = errorText(error);
  const firstLine = message.split('\n')[0] ?? message;
  const name = errorName(error);
  return firstLine.startsWith(name) || name === 'Error' ? firstLine : `${name}: ${firstLine}`;
}

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthorizationError',
  'AuthorizationErrorException',
]);

function isAccessDenied(error: unknown): boolean {
  return ACCESS_DENIED.has(errorName(error));
}

/** The could-not-check of an unexpected error: the call is named, so the reader knows which permission or endpoint to look at. */
export function couldNotCheck(id: string, title: string, call: string, error: unknown): CheckResult {
  return {
    id,
    title,
    status: 'could-not-check',
    detail: `${call} failed: ${errorLine(error)}`,
    fix: isAccessDenied(error)
      ? `Run preflight with a principal allowed ${call} (AWS ReadOnlyAccess covers every call preflight makes).`
      : `Check the endpoint and network, then run preflight again.`,
  };
}
