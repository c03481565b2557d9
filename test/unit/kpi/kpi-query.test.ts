import { DEFAULT_KPI_STACK, resolveKpiQuery } from '../../../kpi/kpi-query';

describe('resolveKpiQuery (tripstream kpis options)', () => {
  it('queries the default dev analytics stack for one date', () => {
    // Prepare
    const args = { from: '2024-05-24' };

    // Act
    const query = resolveKpiQuery(args);

    // Assess
    expect(query).toEqual({ from: '2024-05-24', to: '2024-05-24', source: { kind: 'athena', stackName: 'tripstream-dev-analytics' } });
    expect(DEFAULT_KPI_STACK).toBe('tripstream-dev-analytics');
  });

  it('reads a local run for a range', () => {
    // Prepare
    const args = { from: '2024-05-24', to: '2024-05-31', local: '.local/run-1' };

    // Act
    const query = resolveKpiQuery(args);

    // Assess
    expect(query).toEqual({ from: '2024-05-24', to: '2024-05-31', source: { kind: 'local', outputDir: '.local/run-1' } });
  });

  it('queries a named stack', () => {
    // Prepare
    const args = { from: '2024-05-24', stack: 'tripstream-prod-analytics' };

    // Act
    const query = resolveKpiQuery(args);

    // Assess
    expect(query.source).toEqual({ kind: 'athena', stackName: 'tripstream-prod-analytics' });
  });

  it("queries the --env environment's analytics stack", () => {
    // Prepare
    const args = { from: '2024-05-24', env: 'prod' };

    // Act
    const query = resolveKpiQuery(args);

    // Assess
    expect(query.source).toEqual({ kind: 'athena', stackName: 'tripstream-prod-analytics' });
  });

  it.each([
    ['no date', {}, '--from is required'],
    ['an impossible date', { from: '2024-02-30' }, '--from must be a real calendar date'],
    ['a day-first date', { from: '24-05-2024' }, '--from must be a real calendar date'],
    ['SQL in a date', { from: "2024-05-24' OR '1'='1" }, '--from must be a real calendar date'],
    ['a malformed end', { from: '2024-05-24', to: '2024-5-30' }, '--to must be a real calendar date'],
    ['an end before the start', { from: '2024-05-24', to: '2024-05-23' }, '--to 2024-05-23 is before --from 2024-05-24'],
    ['both sources', { from: '2024-05-24', local: 'out', stack: 'tripstream-dev-analytics' }, '--local excludes --stack and --env'],
    ['a local folder and an environment', { from: '2024-05-24', local: 'out', env: 'prod' }, '--local excludes --stack and --env'],
    [
      'an environment and a stack',
      { from: '2024-05-24', env: 'prod', stack: 'tripstream-dev-analytics' },
      'give either --env or --stack, not both',
    ],
    ['an unknown environment', { from: '2024-05-24', env: 'staging' }, '--env must be one of dev, prod, got "staging"'],
    ['an empty folder name', { from: '2024-05-24', local: ' ' }, '--local needs a folder'],
  ])('rejects %s', (_case, args, message) => {
    // Prepare: the arguments

    // Act
    const resolving = () => resolveKpiQuery(args);

    // Assess
    expect(resolving).toThrow(message);
  });
});
