// Every workflow the worker runs; this file is what the worker bundles.
export * from '../../devices/deviceAssignWorkflow';
export * from '../../devices/stateActionWorkflow';
export * from '../../batches/batchAssignWorkflow';
export * from '../../tempLocks/tempLockWorkflow';
export * from '../../webhooks/webhookDeliveryWorkflow';
