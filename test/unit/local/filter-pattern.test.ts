import { COMPLETED_TRIP_STREAM_FILTER } from '../../../lib/domain/trip-item';
import { FilterPatternError, matchesFilterPattern } from '../../../local/filter-pattern';

/** A DynamoDB stream record as Lambda sees it, for a trip in the given status. */
function streamRecord(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', status: string | undefined) {
  return {
    eventName,
    eventSource: 'aws:dynamodb',
    dynamodb: {
      Keys: { trip_id: { S: 'trip-1' } },
      ...(status === undefined ? {} : { NewImage: { trip_id: { S: 'trip-1' }, status: { S: status } } }),
    },
  };
}

describe('matchesFilterPattern with the deployed stream filter', () => {
  it.each([
    ['INSERT', 'COMPLETED', true],
    ['MODIFY', 'COMPLETED', true],
    ['MODIFY', 'STARTED', false],
    ['INSERT', 'STARTED', false],
    ['REMOVE', undefined, false],
  ] as const)('%s of a %s trip matches: %s', (eventName, status, expected) => {
    // Prepare
    const record = streamRecord(eventName, status);

    // Act
    const matched = matchesFilterPattern(COMPLETED_TRIP_STREAM_FILTER, record);

    // Assess
    expect(matched).toBe(expected);
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
