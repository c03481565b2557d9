import { environments, LOCAL_TIME_SCALE, localSettings, scaleBatchingWindows } from '../../../lib/config';

const MAPPINGS = ['startMapping', 'endMapping', 'matchMapping', 'liveMetricsMapping', 'redriveMapping', 'failedBatchMapping'] as const;

describe('local settings', () => {
  it.each(MAPPINGS)('scale the %s batching window of dev by LOCAL_TIME_SCALE, and keep its batch size', (mapping) => {
    // Assess
    expect(localSettings[mapping].maxBatchingWindowSeconds).toBeCloseTo(
      environments.dev[mapping].maxBatchingWindowSeconds * LOCAL_TIME_SCALE,
      9,
    );
    expect(localSettings[mapping].batchSize).toBe(environments.dev[mapping].batchSize);
    expect(localSettings.localTimeScale).toBe(LOCAL_TIME_SCALE);
  });

  it("keep Lambda's longest window (300 s) to a few local seconds", () => {
    // Act
    const scaled = scaleBatchingWindows(
      { ...environments.dev, matchMapping: { ...environments.dev.matchMapping, maxBatchingWindowSeconds: 300 } },
      LOCAL_TIME_SCALE,
    );

    // Assess
    expect(scaled.matchMapping.maxBatchingWindowSeconds).toBeLessThanOrEqual(3);
  });

  it('change nothing but the windows (batching and tumbling)', () => {
    // Act
    const scaled = scaleBatchingWindows(environments.prod, 0.5);

    // Assess
    const { localTimeScale, ...rest } = scaled;
    expect(localTimeScale).toBe(0.5);
    for (const mapping of MAPPINGS) {
      expect(rest[mapping].maxBatchingWindowSeconds).toBe(environments.prod[mapping].maxBatchingWindowSeconds * 0.5);
      const tumblingOf = (settings: object): number | undefined => (settings as { tumblingWindowSeconds?: number }).tumblingWindowSeconds;
      const tumbling = tumblingOf(environments.prod[mapping]);
      expect(tumblingOf(rest[mapping])).toBe(tumbling === undefined ? undefined : tumbling * 0.5);
      expect({ ...rest[mapping], maxBatchingWindowSeconds: 0, tumblingWindowSeconds: 0 }).toEqual({
        ...environments.prod[mapping],
        maxBatchingWindowSeconds: 0,
        tumblingWindowSeconds: 0,
      });
    }
    const others = (settings: object) =>
      Object.fromEntries(Object.entries(settings).filter(([key]) => !(MAPPINGS as readonly string[]).includes(key)));
    expect(others(rest)).toEqual(others(environments.prod));
  });

  it.each([[0], [1.5], [-0.01]])('refuse a time scale of %p', (scale) => {
    // Act / Assess
    expect(() => scaleBatchingWindows(environments.dev, scale)).toThrow(/time scale must be in \(0, 1\]/);
  });
});
