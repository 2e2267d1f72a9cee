// What the devices capability offers the others: its states and UID rules, the per-device assignment workflow's
// type, input, result and messages, and the device-control gateway's commands and task queues. Pure and
// workflow-safe (a workflow of another capability imports it); the functions others call are in useCases.ts.
import { defineSignal } from '@temporalio/workflow';
import type { deviceAssign } from './deviceAssignWorkflow';

export { DeviceState, isDeviceTypeName, isServiceTypeId } from './states';
export { checkDeviceUid } from './uid';
export { DeviceActions, type DeviceAction, isDeviceAction } from './lifecycle';
export type { DeviceAssignInput } from './deviceAssignWorkflow';
export type DeviceAssignmentActivities = ReturnType<typeof import('./deviceAssignActivities').createDeviceAssignmentActivities>;

/** The per-device workflow (one device of a batch, or a single-device assign or exit), by its type name. */
export const DEVICE_ASSIGN_WORKFLOW = 'deviceAssign';
export type DeviceAssignWorkflow = typeof deviceAssign;

/** From the batch, when it continues-as-new while this child runs: report the result by signal. */
export const reportToParentSignal = defineSignal<[{ parentWorkflowId: string }]>('reportToParent');

export { GatewayRefusal } from './gateway/deviceControlGateway';
export type { DeviceControlGateway, GatewayCommand, GatewayCommandKind, GatewayReceipt } from './gateway/deviceControlGateway';
export { gatewayTaskQueues } from './gateway/taskQueues';
