import { canonicalJson, eventFingerprint } from '../../../domain/fingerprint';
import { tripEndEvent, tripStartEvent } from '../../support/kinesis';

describe('eventFingerprint', () => {
  it('is the same for the same content, whatever the key order', () => {
    // Prepare
    const start = tripStartEvent();
    const reordered = Object.fromEntries(Object.entries(start).reverse()) as typeof start;

    // Act
    const fingerprints = [eventFingerprint(start), eventFingerprint(reordered)];

    // Assess
    expect(fingerprints[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprints[1]).toBe(fingerprints[0]);
  });

  it.each([
    ['the fare', { estimated_fare_amount: 34.18595285 }],
    ['a null optional', { vendor_id: null }],
    ['the pickup', { pickup_datetime: '2024-05-25T13:19:00.001Z' }],
    ['the trip', { trip_id: 'c66ce556bd' }],
  ])('changes when %s changes', (_field, change) => {
    // Act
    const [before, after] = [eventFingerprint(tripStartEvent()), eventFingerprint(tripStartEvent(change))];

    // Assess
    expect(after).not.toBe(before);
  });

  it('tells a start from an end with the same trip id', () => {
    // Act
    const [start, end] = [eventFingerprint(tripStartEvent()), eventFingerprint(tripEndEvent())];

    // Assess
    expect(start).not.toBe(end);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and keeps arrays in order', () => {
    // Act
    const text = canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } });

    // Assess
    expect(text).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });
});
