/**
 * The send orders of `--order`.
 *
 * `event-time` must work on files of any size that are only roughly sorted, in constant memory. Each file goes
 * through a reorder window: a min-heap of at most `window` valid rows, releasing the earliest row whenever it
 * is full. The two windowed streams are then merged by event time (a 2-way merge). Guarantee: the output is in
 * event-time order whenever no row sits more than `window` rows after its sorted position within its file; a
 * row further out of place is still sent exactly once, as soon as it is read, and counted as out of order.
 * Rejected rows have no usable time: they pass straight through (they are quarantined, never sent).
 */
import type { RowOutcome, TripHalf } from '../domain/csv';
import { eventTime, type TripEvent } from '../domain/events';

export const SEND_ORDERS = ['event-time', 'file', 'ends-first'] as const;
export type SendOrder = (typeof SEND_ORDERS)[number];

export interface SourcedRow {
  kind: TripHalf;
  file: string;
  lineNumber: number;
  raw: string;
  /** The row's exact bytes when they are not UTF-8 (see CsvRow). */
  rawBase64?: string;
  outcome: RowOutcome<TripEvent>;
}

export type RowSource = () => AsyncIterable<SourcedRow>;

interface Keyed {
  row: SourcedRow;
  time: string;
  sequence: number;
}

/** Earlier event first; at the same instant a start before an end, then file order. */
function before(a: Keyed, b: Keyed): boolean {
  if (a.time !== b.time) return a.time < b.time;
  if (a.row.kind !== b.row.kind) return a.row.kind === 'start';
  return a.sequence < b.sequence;
}

class MinHeap {
  private readonly items: Keyed[] = [];

  get size(): number {
    return this.items.length;
  }

  push(item: Keyed): void {
    const items = this.items;
    items.push(item);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(items[index] as Keyed, items[parent] as Keyed)) break;
      [items[index], items[parent]] = [items[parent] as Keyed, items[index] as Keyed];
      index = parent;
    }
  }

  pop(): Keyed | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    items[0] = last;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < items.length && before(items[left] as Keyed, items[smallest] as Keyed)) smallest = left;
      if (right < items.length && before(items[right] as Keyed, items[smallest] as Keyed)) smallest = right;
      if (smallest === index) return top;
      [items[index], items[smallest]] = [items[smallest] as Keyed, items[index] as Keyed];
      index = smallest;
    }
  }
}

/** What the event-time order reports about rows it could not put in order. */
export interface OrderingObserver {
  onOutOfOrder(row: SourcedRow): void;
}

async function* reorderWithinWindow(
  rows: AsyncIterable<SourcedRow>,
  window: number,
  observer: OrderingObserver,
): AsyncGenerator<SourcedRow | Keyed> {
  const heap = new MinHeap();
  let sequence = 0;
  let lastReleased: string | undefined;
  const release = (item: Keyed): Keyed => {
    if (lastReleased !== undefined && item.time < lastReleased) observer.onOutOfOrder(item.row);
    else lastReleased = item.time;
    return item;
  };
  for await (const row of rows) {
    if (!row.outcome.ok) {
      yield row;
      continue;
    }
    heap.push({ row, time: eventTime(row.outcome.event), sequence: sequence++ });
    if (heap.size > window) yield release(heap.pop() as Keyed);
  }
  for (let item = heap.pop(); item !== undefined; item = heap.pop()) yield release(item);
}

function isKeyed(item: SourcedRow | Keyed): item is Keyed {
  return 'time' in item;
}

async function* mergeByEventTime(
  starts: AsyncIterable<SourcedRow | Keyed>,
  ends: AsyncIterable<SourcedRow | Keyed>,
): AsyncGenerator<SourcedRow> {
  const startIterator = starts[Symbol.asyncIterator]();
  const endIterator = ends[Symbol.asyncIterator]();
  let nextStart = await startIterator.next();
  let nextEnd = await endIterator.next();
  while (!nextStart.done || !nextEnd.done) {
    // Rejected rows carry no time: release them as soon as they surface.
    if (!nextStart.done && !isKeyed(nextStart.value)) {
      yield nextStart.value;
      nextStart = await startIterator.next();
      continue;
    }
    if (!nextEnd.done && !isKeyed(nextEnd.value)) {
      yield nextEnd.value;
      nextEnd = await endIterator.next();
      continue;
    }
    const takeStart = nextEnd.done || (!nextStart.done && before(nextStart.value as Keyed, nextEnd.value as Keyed));
    if (takeStart && !nextStart.done) {
      yield (nextStart.value as Keyed).row;
      nextStart = await startIterator.next();
    } else if (!nextEnd.done) {
      yield (nextEnd.value as Keyed).row;
      nextEnd = await endIterator.next();
    }
  }
}

async function* inSequence(...sources: RowSource[]): AsyncGenerator<SourcedRow> {
  // Each file is opened only when its turn comes, so an idle S3 stream never waits for the other file.
  for (const source of sources) yield* source();
}

/**
 * The rows of both files in the order they are to be sent.
 * - `event-time`: merged by event time, within the reorder window described above.
 * - `file`: the start file in its own order, then the end file in its own order.
 * - `ends-first`: the end file, then the start file (every end reaches Kinesis before any start).
 */
export function orderRows(
  order: SendOrder,
  starts: RowSource,
  ends: RowSource,
  window: number,
  observer: OrderingObserver,
): AsyncIterable<SourcedRow> {
  switch (order) {
    case 'event-time':
      if (!(window >= 1)) throw new RangeError('the reorder window must hold at least one row');
      return mergeByEventTime(reorderWithinWindow(starts(), window, observer), reorderWithinWindow(ends(), window, observer));
    case 'file':
      return inSequence(starts, ends);
    case 'ends-first':
      return inSequence(ends, starts);
  }
}
