import { TEST_ENVIRONMENT } from '../../support/handler-harness';

describe.each(['start', 'end', 'match', 'redrive'])('%s handler environment', (name) => {
  const saved = { ...process.env };

  afterEach(() => {
    process.env = { ...saved };
  });

  it('loads with a valid environment', () => {
    // Prepare
    Object.assign(process.env, TEST_ENVIRONMENT);

    // Act
    let loaded: { handler?: unknown } = {};
    jest.isolateModules(() => {
      loaded = jest.requireActual<{ handler: unknown }>(`../../../lambdas/${name}/handler`);
    });

    // Assess
    expect(typeof loaded.handler).toBe('function');
  });

  it('fails at load, naming every bad variable', () => {
    // Prepare
    Object.assign(process.env, TEST_ENVIRONMENT, { RETRY_QUEUE_URL: 'not a url', RETRY_MAX_DELAY_SECONDS: '3600' });
    delete process.env.TRIPS_TABLE_NAME;

    // Act
    const load = () => jest.isolateModules(() => jest.requireActual(`../../../lambdas/${name}/handler`));

    // Assess
    expect(load).toThrow(/^Invalid handler environment: TRIPS_TABLE_NAME: .*; RETRY_QUEUE_URL: .*; RETRY_MAX_DELAY_SECONDS: /);
  });
});
