// Four projects so CI and developers can run the fast suites alone; `npm test` runs all four.
// ts-jest only transpiles (isolatedModules): `npm run typecheck` is the type gate.
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };
const common = {
  testEnvironment: 'node',
  transform,
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  // The Python tools' virtual environment holds thousands of files no test imports.
  modulePathIgnorePatterns: ['<rootDir>/.venv/'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    // Runs the handler bundles `cdk synth` ships, synthesized once per run (test/e2e/global-setup.ts).
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/e2e/global-setup.ts',
      globalTeardown: '<rootDir>/test/e2e/global-teardown.ts',
    },
    // Engines no one here wrote, from requirements-dev.txt: PySpark, moto (test/support/python-tools.ts), which
    // the global setup installs into .venv on first use.
    {
      ...common,
      displayName: 'engines',
      testMatch: ['<rootDir>/test/engines/**/*.test.ts'],
      globalSetup: '<rootDir>/test/engines/setup-python-tools.ts',
    },
  ],
};
