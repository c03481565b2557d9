import type { TripHalf } from '../../../domain/csv';
import type { TripEndEvent, TripStartEvent } from '../../../domain/events';
import { orderRows, type RowSource, type SendOrder, type SourcedRow } from '../../../producer/ordering';
import { collect } from '../../support/csv';

/** A valid row whose event happened at `minute` past 10:00 on 2024-05-25. */
function validRow(kind: TripHalf, tripId: string, minute: number, lineNumber: number): SourcedRow {
  const at = new Date(Date.UTC(2024, 4, 25, 10, minute)).toISOString();
  const event: TripStartEvent | TripEndEvent =
    kind === 'start'
      ? {
          schema_version: 1,
          event_type: 'trip_start',
          trip_id: tripId,
          pickup_datetime: at,
          estimated_dropoff_datetime: null,
          pickup_location_id: null,
          dropoff_location_id: null,
          vendor_id: null,
          estimated_fare_amount: 10,
        }
      : {
          schema_version: 1,
          event_type: 'trip_end',
          trip_id: tripId,
          dropoff_datetime: at,
          rate_code: null,
          passenger_count: null,
          trip_distance: null,
          fare_amount: 10,
          tip_amount: null,
          payment_type: null,
          trip_type: null,
        };
  return { kind, file: `trip_${kind}.csv`, lineNumber, raw: `${tripId}@${minute}`, outcome: { ok: true, event } };
}

function rejectedRow(kind: TripHalf, lineNumber: number): SourcedRow {
  return { kind, file: `trip_${kind}.csv`, lineNumber, raw: 'garbage', outcome: { ok: false, reason: 'bad row' } };
}

/** Rows given as [trip id, minute] pairs (or 'x' for a rejected row), numbered from line 2. */
function source(kind: TripHalf, rows: ReadonlyArray<readonly [string, number] | 'x'>): RowSource {
  return async function* () {
    for (const [index, row] of rows.entries()) yield row === 'x' ? rejectedRow(kind, index + 2) : validRow(kind, row[0], row[1], index + 2);
  };
}

const label = (row: SourcedRow) => `${row.kind}:${row.raw}`;

async function ordered(order: SendOrder, starts: RowSource, ends: RowSource, window = 100) {
  const outOfOrder: string[] = [];
  const rows = await collect(orderRows(order, starts, ends, window, { onOutOfOrder: (row) => outOfOrder.push(label(row)) }));
  return { labels: rows.map(label), outOfOrder };
}

describe('orderRows', () => {
  const starts = source('start', [['a', 0], ['b', 5], 'x', ['c', 10]]);
  const ends = source('end', [
    ['a', 7],
    ['b', 5],
    ['c', 30],
  ]);

  it('interleaves both files by event time, a start first at the same instant (event-time)', async () => {
    // Act
    const { labels, outOfOrder } = await ordered('event-time', starts, ends);

    // Assess: the rejected row has no time and is not held back by the window
    expect(labels).toEqual(['start:garbage', 'start:a@0', 'start:b@5', 'end:b@5', 'end:a@7', 'start:c@10', 'end:c@30']);
    expect(outOfOrder).toEqual([]);
  });

  it('sends the start file then the end file, each in file order (file)', async () => {
    // Act
    const { labels } = await ordered('file', starts, ends);

    // Assess
    expect(labels).toEqual(['start:a@0', 'start:b@5', 'start:garbage', 'start:c@10', 'end:a@7', 'end:b@5', 'end:c@30']);
  });

  it('sends every end before any start (ends-first)', async () => {
    // Act
    const { labels } = await ordered('ends-first', starts, ends);

    // Assess
    expect(labels).toEqual(['end:a@7', 'end:b@5', 'end:c@30', 'start:a@0', 'start:b@5', 'start:garbage', 'start:c@10']);
  });

  it('restores the order of rows displaced by less than the reorder window', async () => {
    // Prepare
    const shuffledStarts = source('start', [
      ['c', 3],
      ['a', 1],
      ['d', 4],
      ['b', 2],
      ['e', 5],
    ]);
    const noEnds = source('end', []);

    // Act
    const { labels, outOfOrder } = await ordered('event-time', shuffledStarts, noEnds, 2);

    // Assess
    expect(labels).toEqual(['start:a@1', 'start:b@2', 'start:c@3', 'start:d@4', 'start:e@5']);
    expect(outOfOrder).toEqual([]);
  });

  it('still yields every row once, and reports it, when a row lies beyond the window', async () => {
    // Prepare
    const lateStarts = source('start', [
      ['b', 2],
      ['c', 3],
      ['d', 4],
      ['a', 1],
    ]);
    const noEnds = source('end', []);

    // Act
    const { labels, outOfOrder } = await ordered('event-time', lateStarts, noEnds, 1);

    // Assess
    expect(labels).toEqual(['start:b@2', 'start:c@3', 'start:a@1', 'start:d@4']);
    expect(outOfOrder).toEqual(['start:a@1']);
  });

  it('opens the second file only when the first is done (file order)', async () => {
    // Prepare
    const opened: TripHalf[] = [];
    const tracked = (kind: TripHalf, inner: RowSource): RowSource =>
      async function* () {
        opened.push(kind);
        yield* inner();
      };
    const rows = orderRows('file', tracked('start', starts), tracked('end', ends), 100, { onOutOfOrder: () => undefined });
    const iterator = rows[Symbol.asyncIterator]();

    // Act
    await iterator.next();

    // Assess
    expect(opened).toEqual(['start']);
  });
});
