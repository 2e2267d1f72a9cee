// Custom search attributes (registered on the dev server at start) that make batches and devices
// findable in the Temporal Web UI. Shared by workflow code and the API client.
import { defineSearchAttributeKey } from '@temporalio/common';

export const BatchIdKey = defineSearchAttributeKey('BatchId', 'KEYWORD');
export const TenantIdKey = defineSearchAttributeKey('TenantId', 'KEYWORD');
export const DeviceUidKey = defineSearchAttributeKey('DeviceUid', 'KEYWORD');
export const BatchModeKey = defineSearchAttributeKey('BatchMode', 'KEYWORD');
