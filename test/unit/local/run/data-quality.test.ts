import {
  amountOutliers,
  assessDataQuality,
  type CompletedTripAmounts,
  isScientificNotation,
  mangledPairs,
} from '../../../../local/run/data-quality';

/** A day of ordinary trips: fares 10-100, distances 0-20, most tips zero. */
function ordinaryDay(count: number, date = '2024-05-25'): CompletedTripAmounts[] {
  return Array.from({ length: count }, (_, index) => ({
    trip_id: `trip-${index}`,
    trip_date: date,
    fare_amount: 10 + ((index * 37) % 90),
    tip_amount: index % 10 === 0 ? 2 : 0,
    trip_distance: (index * 7) % 20,
  }));
}

describe('data quality', () => {
  it('recognises the IDs a spreadsheet writes in scientific notation, and only those', () => {
    // Assess
    expect(['1.23E+10', '9.82E+274', '7.33E+07', '2e+5'].map(isScientificNotation)).toEqual([true, true, true, true]);
    expect(['01228427e4', 'c66ce556bc', '120041934', '1.23E10x'].map(isScientificNotation)).toEqual([false, false, false, false]);
  });

  it('pairs open starts with the orphan ends they were before the rewrite, exponent or leading zeros undone', () => {
    // Prepare: the real sample's forms
    const openStarts = ['1.23E+10', '2.01E+222', '7.33E+07', '25523710', 'c66ce556bc'];
    const orphanEnds = ['01228427e4', '200816e217', '73339772e0', '0025523710', 'f93c901b2d'];

    // Act
    const pairs = mangledPairs(openStarts, orphanEnds);

    // Assess
    expect(pairs).toEqual([
      { open_start: '1.23E+10', orphan_end: '01228427e4', undone: 'exponent' },
      { open_start: '2.01E+222', orphan_end: '200816e217', undone: 'exponent' },
      { open_start: '25523710', orphan_end: '0025523710', undone: 'leading zeros' },
      { open_start: '7.33E+07', orphan_end: '73339772e0', undone: 'exponent' },
    ]);
  });

  it('does not pair IDs that only share digits', () => {
    // Act
    const pairs = mangledPairs(['1.24E+10', '25523711'], ['01228427e4', '0025523710']);

    // Assess
    expect(pairs).toEqual([]);
  });

  it('names the amounts far outside their day and leaves an ordinary day alone', () => {
    // Prepare
    const trips = [
      ...ordinaryDay(200),
      { trip_id: 'far', trip_date: '2024-05-25', fare_amount: 50, tip_amount: 0, trip_distance: 91152.89 },
      ...ordinaryDay(150, '2024-05-26'),
    ];

    // Act
    const outliers = amountOutliers(trips);

    // Assess
    expect(outliers).toEqual([
      { trip_id: 'far', trip_date: '2024-05-25', field: 'trip_distance', value: 91152.89, bound: expect.any(Number) as number, median: 10 },
    ]);
    expect(outliers[0]?.bound).toBeLessThan(1000);
  });

  it('flags an outlier in a small day, whose own p99 would be the outlier itself', () => {
    // Prepare
    const trips = [...ordinaryDay(20), { trip_id: 'far', trip_date: '2024-05-25', fare_amount: 40_000, tip_amount: 0, trip_distance: 3 }];

    // Act
    const outliers = amountOutliers(trips);

    // Assess
    expect(outliers.map((outlier) => [outlier.trip_id, outlier.field])).toEqual([['far', 'fare_amount']]);
  });

  it('reports the scientific-notation IDs per file, beside pairs and outliers', () => {
    // Act
    const quality = assessDataQuality({
      sentIds: { start: ['1.23E+10', 'abc', '1.23E+10'], end: ['01228427e4'] },
      openStartIds: ['1.23E+10'],
      orphanEndIds: ['01228427e4'],
      completedTrips: ordinaryDay(50),
    });

    // Assess
    expect(quality.scientific_notation_ids).toEqual({ start: ['1.23E+10'], end: [] });
    expect(quality.mangled_id_pairs).toHaveLength(1);
    expect(quality.outliers).toEqual([]);
  });
});
