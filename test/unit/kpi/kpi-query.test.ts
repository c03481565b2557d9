import { DEFAULT_KPI_STACK, resolveKpiQuery } from '../../../lib/kpi/kpi-query';

describe('resolveKpiQuery (npm run kpis options)', () => {
  it('queries the default dev analytics stack for one date', () => {
    // Prepare
    const args = { date: '2024-05-24' };

    // Act
    const query = resolveKpiQuery(args);

    // Assess
    expect(query).toEqual({ from: '2024-05-24', to: '2024-05-24', source: { kind: 'athena', stackName: 'tripstream-dev-analytics' } });
    expect(DEFAULT_KPI_STACK).toBe('tripstream-dev-analytics');
  });

  it('reads a local run for a range', () => {
    // Prepare
    const args = { date: '2024-05-24', to: '2024-05-31', local: '.local/run-1' };

    // Act
    const query = resolveKpiQuery(args);

    // Assess
    expect(query).toEqual({ from: '2024-05-24', to: '2024-05-31', source: { kind: 'local', outputDir: '.local/run-1' } });
  });

  it('queries a named stack', () => {
    // Prepare
    const args = { date: '2024-05-24', stack: 'tripstream-prod-analytics' };

    // Act
    const query = resolveKpiQuery(args);

    // Assess
    expect(query.source).toEqual({ kind: 'athena', stackName: 'tripstream-prod-analytics' });
  });

  it.each([
    ['no date', {}, '--date is required'],
    ['an impossible date', { date: '2024-02-30' }, '--date must be a real calendar date'],
    ['a day-first date', { date: '24-05-2024' }, '--date must be a real calendar date'],
    ['SQL in a date', { date: "2024-05-24' OR '1'='1" }, '--date must be a real calendar date'],
    ['a malformed end', { date: '2024-05-24', to: '2024-5-30' }, '--to must be a real calendar date'],
    ['an end before the start', { date: '2024-05-24', to: '2024-05-23' }, '--to 2024-05-23 is before --date 2024-05-24'],
    ['both sources', { date: '2024-05-24', local: 'out', stack: 'tripstream-dev-analytics' }, '--local and --stack exclude each other'],
    ['an empty folder name', { date: '2024-05-24', local: ' ' }, '--local needs a folder'],
  ])('rejects %s', (_case, args, message) => {
    // Prepare: the arguments

    // Act
    const resolving = () => resolveKpiQuery(args);

    // Assess
    expect(resolving).toThrow(message);
  });
});
