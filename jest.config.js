// Three suites: pure unit tests, integration tests against real Temporal/PostgreSQL/MongoDB-protocol
// servers (started by scripts/test.sh or reused), and replay tests over committed histories.
const transform = { '^.+\\.ts$': ['ts-jest', {}] };

/** @type {import('jest').Config} */
module.exports = {
  // testTimeout is a global option (ignored inside a project): integration tests wait on real services.
  testTimeout: 120000,
  projects: [
    { displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'], transform, testEnvironment: 'node' },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      transform,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/integration/globalSetup.ts',
      globalTeardown: '<rootDir>/test/integration/globalTeardown.ts',
    },
    { displayName: 'replay', testMatch: ['<rootDir>/test/replay/**/*.test.ts'], transform, testEnvironment: 'node' },
  ],
};
