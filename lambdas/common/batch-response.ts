/** Partial batch responses listed in the order of the batch, whatever order the records settled in. */
export interface PartialBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export function inBatchOrder<R extends PartialBatchResponse>(response: R, identifiers: readonly string[]): R {
  const position = new Map(identifiers.map((identifier, index) => [identifier, index]));
  const rank = (identifier: string): number => position.get(identifier) ?? identifiers.length;
  return {
    ...response,
    batchItemFailures: [...response.batchItemFailures].sort((a, b) => rank(a.itemIdentifier) - rank(b.itemIdentifier)),
  };
}
