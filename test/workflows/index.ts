// What the test worker bundles: every product workflow plus the test-only ones.
export * from '../../src/platform/worker/workflows';
export * from './storesProbe';
