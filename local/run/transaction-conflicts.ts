/**
 * DynamoDB's transaction conflicts, in the local runtime's AWS-call layer: DynamoDB Local runs concurrent
 * transactions on one item one after the other, where DynamoDB cancels one of them. As documented
 * (DynamoDB developer guide, "Transaction conflict handling"): a TransactWriteItems that touches an item
 * another write (transactional or not) has in flight is cancelled with TransactionCanceledException, reason
 * TransactionConflict at that item's position; the SDK does not retry it. A single Put/Update/Delete of an
 * item an in-flight transaction holds fails with TransactionConflictException. Registered on the handlers'
 * clients for every local run, faults or not: the design must not rely on winning such a race
 * (docs/adr/0008-live-metrics-per-shard-partials.md).
 */
import { TransactionCanceledException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import type { RequestAttempt } from '../../aws/clients';

/** Key attribute names per table, to tell which item a request touches. */
export type KeySchemas = Readonly<Record<string, readonly string[]>>;

interface ItemWrite {
  readonly TableName?: string;
  readonly Key?: Record<string, unknown>;
  readonly Item?: Record<string, unknown>;
}

const SINGLE_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

export class TransactionConflicts {
  /** Items held by in-flight transactions, and by in-flight single writes: counts per item. */
  private readonly transactions = new Map<string, number>();
  private readonly writes = new Map<string, number>();
  private cancelled = 0;

  constructor(private readonly keySchemas: KeySchemas) {}

  /** Transactions cancelled so far. */
  get conflicts(): number {
    return this.cancelled;
  }

  /** The request hook: refuses a conflicting write, or holds its items until the attempt has settled. */
  readonly hook = (attempt: RequestAttempt): (() => void) | undefined => {
    if (attempt.service !== 'DynamoDB') return undefined;
    if (attempt.operation === 'TransactWriteItems') {
      const items = ((attempt.input as { TransactItems?: Record<string, ItemWrite | undefined>[] } | undefined)?.TransactItems ?? []).map(
        (entry) => this.itemOf(entry.Put ?? entry.Update ?? entry.Delete ?? entry.ConditionCheck ?? {}),
      );
      const reasons = items.map((item) =>
        item !== undefined && (this.transactions.has(item) || this.writes.has(item)) ? 'TransactionConflict' : 'None',
      );
      if (reasons.includes('TransactionConflict')) {
        this.cancelled += 1;
        throw new TransactionCanceledException({
          message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.join(', ')}]`,
          $metadata: { httpStatusCode: 400 },
          CancellationReasons: reasons.map((Code) => ({
            Code,
            ...(Code === 'TransactionConflict' ? { Message: 'Transaction is ongoing for the item' } : {}),
          })),
        });
      }
      return this.hold(
        this.transactions,
        items.filter((item) => item !== undefined),
      );
    }
    if (!SINGLE_WRITES.has(attempt.operation)) return undefined;
    const item = this.itemOf((attempt.input ?? {}) as ItemWrite);
    if (item === undefined) return undefined;
    if (this.transactions.has(item)) {
      throw new TransactionConflictException({ message: 'Transaction is ongoing for the item', $metadata: { httpStatusCode: 400 } });
    }
    return this.hold(this.writes, [item]);
  };

  private hold(held: Map<string, number>, items: readonly string[]): () => void {
    for (const item of items) held.set(item, (held.get(item) ?? 0) + 1);
    return () => {
      for (const item of items) {
        const count = (held.get(item) ?? 1) - 1;
        if (count === 0) held.delete(item);
        else held.set(item, count);
      }
    };
  }

  private itemOf(write: ItemWrite): string | undefined {
    const table = write.TableName;
    const names = table === undefined ? undefined : this.keySchemas[table];
    const source = write.Key ?? write.Item;
    if (table === undefined || names === undefined || source === undefined) return undefined;
    return JSON.stringify([table, ...names.map((name) => source[name] ?? null)]);
  }
}
