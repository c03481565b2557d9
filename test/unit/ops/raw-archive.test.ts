import { gunzipSync } from 'node:zlib';
import { archiveObjects } from '../../../local/run/raw-archive';
import { decodeRawObject, encodeRawObject, rawArchiveKey, streamKindOfKey } from '../../../ops/raw-archive';
import { tripEndEvent, tripStartEvent } from '../../support/kinesis';

const data = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

describe('raw archive format', () => {
  it('names an object the way Firehose does, under the stream folder and the UTC arrival date', () => {
    // Act
    const key = rawArchiveKey('trip-end', new Date('2024-05-25T23:59:58.500Z'), 'tripstream-dev-trip-end-raw', 'f00d');

    // Assess
    expect(key).toBe('raw/trip-end/2024-05-25/tripstream-dev-trip-end-raw-1-2024-05-25-23-59-58-f00d.gz');
  });

  it('writes every record followed by a newline, gzipped, and reads the same records back', () => {
    // Prepare
    const records = [data(tripStartEvent()), Buffer.from('not json, archived as it arrived'), data(tripStartEvent({ trip_id: 'b' }))];

    // Act
    const body = encodeRawObject(records);

    // Assess
    expect(gunzipSync(body).toString('utf8')).toBe(records.map((record) => `${record.toString('utf8')}\n`).join(''));
    expect(decodeRawObject(body)).toEqual(records.map((record) => record.toString('utf8')));
  });

  it('reads an empty object as no records', () => {
    // Act / Assess
    expect(decodeRawObject(encodeRawObject([]))).toEqual([]);
  });

  it.each([
    ['raw/trip-start/2024-05-25/x.gz', 'start'],
    ['s3://bucket/raw/trip-end/2024-05-25/x.gz', 'end'],
    ['/tmp/run/raw/trip-end/2024-05-25/x.gz', 'end'],
    ['raw/errors/trip-end/processing-failed/2024-05-25/x.gz', undefined],
    ['elsewhere/trip-end/x.gz', undefined],
  ])('knows the stream of %s: %s', (key, kind) => {
    // Act / Assess
    expect(streamKindOfKey(key)).toBe(kind);
  });
});

describe('archiveObjects (the local stand-in for Firehose)', () => {
  it('groups a stream by UTC arrival date, in arrival order', () => {
    // Prepare: arrivals out of order across shards, two of them on 25 May before midnight UTC.
    const records = [
      {
        data: data(tripEndEvent({ trip_id: 'late' })),
        arrivalMs: Date.parse('2024-05-26T00:00:01.000Z'),
        sequenceNumber: '3',
        partitionKey: 'late',
        shardId: 'shardId-000000000001',
      },
      {
        data: data(tripEndEvent({ trip_id: 'second' })),
        arrivalMs: Date.parse('2024-05-25T23:59:59.000Z'),
        sequenceNumber: '2',
        partitionKey: 'second',
        shardId: 'shardId-000000000000',
      },
      {
        data: data(tripEndEvent({ trip_id: 'first' })),
        arrivalMs: Date.parse('2024-05-25T10:00:00.000Z'),
        sequenceNumber: '1',
        partitionKey: 'first',
        shardId: 'shardId-000000000001',
      },
    ];

    // Act
    const objects = archiveObjects('end', records, 'tripstream-local-trip-end-raw');

    // Assess
    expect(objects.map(({ key }) => key.replace(/-[0-9a-f-]{36}\.gz$/, ''))).toEqual([
      'raw/trip-end/2024-05-25/tripstream-local-trip-end-raw-1-2024-05-25-10-00-00',
      'raw/trip-end/2024-05-26/tripstream-local-trip-end-raw-1-2024-05-26-00-00-01',
    ]);
    expect(objects.map(({ body }) => decodeRawObject(body).map((line) => (JSON.parse(line) as { trip_id: string }).trip_id))).toEqual([
      ['first', 'second'],
      ['late'],
    ]);
  });
});
