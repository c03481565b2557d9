/**
 * What was thrown, as text for a message, a log line or a dead letter's detail. The one place that turns an
 * unknown thrown value into words, so every message says it the same way.
 */

export interface ErrorTextOptions {
  /** Prefix the error's name (`ThrottlingException: Rate exceeded`): an AWS SDK error's name is its error code. */
  readonly withName?: boolean;
}

/** An Error's message (with its name when asked); anything else thrown, as `String` writes it. */
export function errorText(error: unknown, options: ErrorTextOptions = {}): string {
  if (!(error instanceof Error)) return String(error);
  return options.withName === true ? `${error.name}: ${error.message}` : error.message;
}
