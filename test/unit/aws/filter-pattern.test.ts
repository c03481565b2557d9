import { marshall } from '@aws-sdk/util-dynamodb';
import { FilterPatternError, matchesFilterPattern } from '../../../aws/filter-pattern';
import { TRIP_STREAM_FILTERS } from '../../../domain/trip-item';
import { completedItem, openEndItem, openStartItem } from '../../support/dynamodb-stream';
import { tripEndEvent } from '../../support/kinesis';

type Item = Record<string, unknown>;

/** A trips-table stream record as Lambda's filters see it (NEW_AND_OLD_IMAGES, marshalled images). */
function streamRecord(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', images: { oldImage?: Item; newImage?: Item }) {
  return {
    eventName,
    eventSource: 'aws:dynamodb',
    dynamodb: {
      Keys: { trip_id: { S: 'c66ce556bc' } },
      ...(images.oldImage === undefined ? {} : { OldImage: marshall(images.oldImage) }),
      ...(images.newImage === undefined ? {} : { NewImage: marshall(images.newImage) }),
    },
  };
}

describe('matchesFilterPattern with the deployed trips-stream filters', () => {
  const lateEnd = tripEndEvent({ dropoff_datetime: '2024-05-25T13:00:00.000Z' });

  it.each([
    [
      'the completion by the end (halves 1 -> 2)',
      streamRecord('MODIFY', { oldImage: openStartItem(), newImage: completedItem() }),
      'completion',
    ],
    [
      'the completion by the start (halves 1 -> 2)',
      streamRecord('MODIFY', { oldImage: openEndItem(), newImage: completedItem(undefined, undefined, { first: 'end' }) }),
      'completion',
    ],
    ['the REMOVE of an open end', streamRecord('REMOVE', { oldImage: openEndItem() }), 'expiredOpenEnd'],
    ['the INSERT of an open start', streamRecord('INSERT', { newImage: openStartItem() }), undefined],
    ['the INSERT of an open end', streamRecord('INSERT', { newImage: openEndItem() }), undefined],
    [
      'an evicted end replaced by a start (halves 1 -> 1)',
      streamRecord('MODIFY', { oldImage: openEndItem(lateEnd), newImage: openStartItem() }),
      undefined,
    ],
    [
      'a MODIFY of a completed trip (halves 2 -> 2)',
      streamRecord('MODIFY', { oldImage: completedItem(), newImage: completedItem() }),
      undefined,
    ],
    ['a MODIFY without an OldImage', streamRecord('MODIFY', { newImage: completedItem() }), undefined],
    ['the REMOVE of an open start', streamRecord('REMOVE', { oldImage: openStartItem() }), 'expiredOpenStart'],
    ['the REMOVE of a completed trip', streamRecord('REMOVE', { oldImage: completedItem() }), undefined],
    ['a REMOVE without an OldImage', streamRecord('REMOVE', {}), undefined],
  ] as const)('%s passes: %s', (_case, record, expected) => {
    // Act
    const passing = Object.entries(TRIP_STREAM_FILTERS)
      .filter(([, filter]) => matchesFilterPattern(filter, record))
      .map(([name]) => name);

    // Assess
    expect(passing).toEqual(expected === undefined ? [] : [expected]);
  });
});

describe('matchesFilterPattern operators', () => {
  const event = { source: 'trips', detail: { fare: 12.5, city: 'Tallinn', tags: ['night', 'airport'], note: null } };

  it.each([
    ['exact string', { source: ['trips'] }, true],
    ['exact string, other value', { source: ['other'] }, false],
    ['any element of an event array', { detail: { tags: ['airport'] } }, true],
    ['null', { detail: { note: [null] } }, true],
    ['prefix', { detail: { city: [{ prefix: 'Tal' }] } }, true],
    ['prefix ignoring case', { detail: { city: [{ prefix: { 'equals-ignore-case': 'tal' } }] } }, true],
    ['suffix', { detail: { city: [{ suffix: 'inn' }] } }, true],
    ['equals-ignore-case', { detail: { city: [{ 'equals-ignore-case': 'TALLINN' }] } }, true],
    ['anything-but a value', { source: [{ 'anything-but': 'trips' }] }, false],
    ['anything-but a list', { source: [{ 'anything-but': ['a', 'b'] }] }, true],
    ['anything-but a prefix', { detail: { city: [{ 'anything-but': { prefix: 'Tal' } }] } }, false],
    ['numeric range inside', { detail: { fare: [{ numeric: ['>', 10, '<=', 12.5] }] } }, true],
    ['numeric range outside', { detail: { fare: [{ numeric: ['<', 10] }] } }, false],
    ['exists true on a present field', { detail: { city: [{ exists: true }] } }, true],
    ['exists false on a missing field', { detail: { driver: [{ exists: false }] } }, true],
    ['exists true on a missing field', { detail: { driver: [{ exists: true }] } }, false],
    ['a missing field never equals a value', { detail: { driver: ['x'] } }, false],
    ['wildcard', { detail: { city: [{ wildcard: 'T*nn' }] } }, true],
    ['$or, one side true', { $or: [{ source: ['x'] }, { detail: { city: ['Tallinn'] } }] }, true],
    ['$or, both false', { $or: [{ source: ['x'] }, { detail: { city: ['Riga'] } }] }, false],
    ['every field must match', { source: ['trips'], detail: { city: ['Riga'] } }, false],
  ])('%s', (_name, pattern, expected) => {
    // Act
    const matched = matchesFilterPattern(pattern, event);

    // Assess
    expect(matched).toBe(expected);
  });

  it.each([
    ['an unknown operator', { source: [{ regex: '.*' }] }],
    ['a bare value instead of a list', { source: 'trips' }],
    ['a numeric rule with an odd operand list', { detail: { fare: [{ numeric: ['>'] }] } }],
    ['an $or with a single pattern', { $or: [{ source: ['trips'] }] }],
  ])('rejects %s', (_name, pattern) => {
    // Act
    const evaluate = () => matchesFilterPattern(pattern, event);

    // Assess
    expect(evaluate).toThrow(FilterPatternError);
  });
});
