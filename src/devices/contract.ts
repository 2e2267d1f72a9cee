// What the devices capability offers the others: its states and UID rules, the per-device assignment workflow's
// type, input, result and messages, and the device-control gateway's commands and task queues. Pure and
// workflow-safe (a workflow of another capability imports it); the functions others call are in useCases.ts.
import { defineSignal, defineUpdate } from '@temporalio/workflow';
import type { deviceAssign } from './deviceAssignWorkflow';
import type { deviceStateAction } from './stateActionWorkflow';
import type { StateActionOutcome, StateActionRefusal } from './stateActions';

export { DeviceState, isDeviceTypeName, isServiceTypeId } from './states';
export { checkDeviceUid } from './uid';
export { DeviceActions, type DeviceAction, isDeviceAction } from './lifecycle';
export type { DeviceAssignInput } from './deviceAssignWorkflow';
export type DeviceAssignmentActivities = ReturnType<typeof import('./deviceAssignActivities').createDeviceAssignmentActivities>;

/** The per-device workflow (one device of a batch, or a single-device assign or exit), by its type name. */
export const DEVICE_ASSIGN_WORKFLOW = 'deviceAssign';
export type DeviceAssignWorkflow = typeof deviceAssign;

/** The workflow of a LOCK or UNLOCK by hand: the state action (an update), then the device's gateway command. */
export const STATE_ACTION_WORKFLOW = 'deviceStateAction';
export type StateActionWorkflow = typeof deviceStateAction;
/** Applies the run's state action (once, however often it is asked) and answers its outcome or its refusal. */
export const applyStateActionUpdate = defineUpdate<StateActionOutcome | StateActionRefusal>('applyStateAction');

/** From the batch, when it continues-as-new while this child runs: report the result by signal. */
export const reportToParentSignal = defineSignal<[{ parentWorkflowId: string }]>('reportToParent');

/**
 * From the batch, before it cancels this child because it stopped (its failure threshold): why, so a device
 * cancelled here records the batch's stop reason rather than a plain cancel.
 */
export const batchStoppingSignal = defineSignal<[{ reason: string }]>('batchStopping');

export { GatewayRefusal } from './gateway/deviceControlGateway';
export type { DeviceControlGateway, GatewayCommand, GatewayCommandKind, GatewayReceipt } from './gateway/deviceControlGateway';
export { gatewayTaskQueues } from './gateway/taskQueues';
