// Every workflow the worker runs; this file is what the worker bundles.
export * from './deviceAssign';
export * from './batchAssign';
export * from './tempLock';
