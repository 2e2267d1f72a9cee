// What the simulation's workers bundle: the product's workflows and the world's actor.
export * from '../../../src/platform/worker/workflows';
export * from './actor';
