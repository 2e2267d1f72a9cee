// What the test worker bundles: every product workflow plus the test-only ones.
export * from '../../src/workflows';
export * from './storesProbe';
