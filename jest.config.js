// Five suites: pure unit tests, workflow tests with mocked activities, integration tests against real Temporal/PostgreSQL/MongoDB-protocol
// servers (started by scripts/test.sh or reused), replay tests over committed histories (these four are `npm test`), and
// the scale tests on the same real servers (`npm run test:scale`).
const transform = { '^.+\\.ts$': ['ts-jest', {}] };
// The workflows bundled once for every test file that runs a worker (test/workflowBundle.ts); the integration
// project's own setup calls it.
const workflowBundle = { globalSetup: '<rootDir>/test/globalSetup.ts' };
// Tests against the real Temporal, PostgreSQL and MongoDB-protocol servers: the run's throwaway databases.
const realServices = {
  transform,
  testEnvironment: 'node',
  globalSetup: '<rootDir>/test/integration/globalSetup.ts',
  setupFilesAfterEnv: ['<rootDir>/test/sdkWarnings.ts'],
  globalTeardown: '<rootDir>/test/integration/globalTeardown.ts',
};

/** @type {import('jest').Config} */
module.exports = {
  // testTimeout is a global option (ignored inside a project): integration tests wait on real services.
  testTimeout: 120000,
  // The longest files first, also on a fresh clone without jest's cache of durations (test/sequencer.js).
  testSequencer: '<rootDir>/test/sequencer.js',
  projects: [
    { displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'], transform, testEnvironment: 'node' },
    { displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'], ...realServices },
    // Behaviour that only shows under volume (a rate limit, grouping, fairness, a flood of check-ins): the same real
    // services, hundreds to thousands of commands each. `npm run test:scale`, and CI after `npm test`.
    { displayName: 'scale', testMatch: ['<rootDir>/test/scale/**/*.test.ts'], ...realServices },
    // Workflows with mocked activities on Temporal's time-skipping test server (Java; scripts/build-binaries.sh).
    {
      displayName: 'workflows',
      testMatch: ['<rootDir>/test/workflows/**/*.test.ts'],
      transform,
      testEnvironment: 'node',
      ...workflowBundle,
      setupFilesAfterEnv: ['<rootDir>/test/sdkWarnings.ts'],
    },
    {
      displayName: 'replay',
      testMatch: ['<rootDir>/test/replay/**/*.test.ts'],
      transform,
      testEnvironment: 'node',
      ...workflowBundle,
      setupFilesAfterEnv: ['<rootDir>/test/sdkWarnings.ts'],
    },
    // The cluster smoke test runs against `npm run start:cluster`'s processes: only from `npm run test:cluster`.
    ...(process.env.DO_CLUSTER_API_URLS
      ? [{ displayName: 'cluster', testMatch: ['<rootDir>/test/cluster/**/*.test.ts'], transform, testEnvironment: 'node' }]
      : []),
  ],
};
