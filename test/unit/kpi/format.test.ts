import { formatKpiTable } from '../../../kpi/format';
import { dailyKpiRow as kpiRow } from '../../support/daily-kpi';

describe('formatKpiTable', () => {
  it('prints a header, a rule and one aligned line per date with two decimals', () => {
    // Prepare
    const rows = [kpiRow(), kpiRow({ trip_date: '2024-05-25', trip_count: 1204, total_fare: 18_431.5 })];

    // Act
    const table = formatKpiTable(rows);

    // Assess
    expect(table.split('\n')).toEqual([
      'date        trips  total fare  avg fare  min fare  max fare  tips  distance  avg minutes',
      '----------  -----  ----------  --------  --------  --------  ----  --------  -----------',
      '2024-05-24      3       35.75     11.92      5.25     20.50  2.68      4.30        25.11',
      '2024-05-25   1204    18431.50     11.92      5.25     20.50  2.68      4.30        25.11',
    ]);
  });
});
