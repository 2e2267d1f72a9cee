// The shapes of the API answers the portal reads: the types generated from the OpenAPI document
// (src/platform/openapi/types.ts), so an answer whose shape the document changes fails `npm run typecheck`.
import type { components, operations } from '../../../src/platform/openapi/types';

type Schemas = components['schemas'];

export type Me = Schemas['Caller'];

export type BatchStatus = Schemas['BatchStatus'];
export type BatchMode = BatchStatus['mode'];
export type BatchDevicesPage = Schemas['BatchDevicesPage'];
export type BatchRowStatus = Schemas['BatchDevice']['status'];
export type BatchSummary = Schemas['BatchSummary'];
export type BatchesPage = Schemas['BatchList'];
export type BatchPreview = Schemas['BatchPreview'];
export type UploadAccepted = Schemas['UploadAccepted'];

export type CatalogueWorkflow = Schemas['Workflow'];

export type Device = Schemas['Device'];
export type DeviceList = Schemas['DeviceList'];
export type DeviceListEntry = Schemas['DeviceListEntry'];
export type DeviceStateName = NonNullable<NonNullable<operations['listDevices']['parameters']['query']>['state']>;
export type DeviceHistory = Schemas['DeviceHistory'];
export type TimelineEntry = DeviceHistory['timeline'][number];
export type DeviceWorkflowResult = Schemas['DeviceWorkflowResult'];
export type DeviceActionResult = Schemas['DeviceActionResult'];

export type TempLockView = Schemas['TempLockView'];

export type WorkingHours = Schemas['WorkingHours'];
export type WorkingHoursAnswer = Schemas['WorkingHoursAnswer'];
export type WorkingHoursCalendar = Schemas['WorkingHoursCalendar'];
export type NextWorkingInstant = Schemas['NextWorkingInstant'];
export type Weekday = WorkingHours['windows'][number]['day'];

export type Webhook = Schemas['Webhook'];
export type WebhookList = Schemas['WebhookList'];
export type WebhookCreated = Schemas['WebhookCreated'];
export type WebhookEventType = Webhook['events'][number];
export type WebhookDeliveries = Schemas['WebhookDeliveries'];

export const SERVICE_TYPES: Record<number, string> = { 1: 'SIM control', 2: 'Prepaid', 3: 'Postpaid' };
