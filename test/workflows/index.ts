// What the tests' workers bundle (test/workflowBundle.ts): every product workflow plus the test-only ones (the stores
// probe, the lock simulation's actor).
export * from '../../src/platform/worker/workflows';
export * from './storesProbe';
export * from './lockSimulation/actor';
