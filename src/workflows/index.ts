// Every workflow the worker runs; this file is what the worker bundles.
export * from './storesProbe';
export * from './tempLock';
