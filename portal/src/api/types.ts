// The shapes of the API answers the portal reads (the OpenAPI document at /v1/openapi.json has them all).

export type Role = 'operator' | 'read_only' | 'device_gateway';

export interface Me {
  tenantId: string;
  userId: string;
  role: Role;
  tenantTree: string[];
}

export type BatchMode = 'assign' | 'register' | 'exit';
export type BatchState = 'CREATED' | 'RUNNING' | 'COMPLETED' | 'CANCELLED';

export interface BatchStatus {
  batchId: string;
  tenantId: string;
  status: BatchState;
  isSuccess: boolean | null;
  mode: BatchMode;
  workflowId: string | null;
  targetWorkspaceId: string;
  retries: number;
  rows: { total: number; accepted: number; rejected: number };
  progress: { total: number; done: number; pending: number };
  countersByStatus: Record<string, number>;
  countersByCode: Record<string, number>;
  timings: {
    createdAt: string;
    startedAt: string | null;
    finishedAt: string | null;
    elapsedSeconds: number;
    devicesPerSecond: number | null;
  };
  links: { self: string; devices: string; results: string; temporalUi: string };
}

export interface BatchDevice {
  rowNumber: number;
  deviceUid: string;
  deviceId: number | null;
  status: string;
  code: string | null;
  message: string | null;
  finishedAt: string | null;
}

export interface BatchDevicesPage {
  batchId: string;
  devices: BatchDevice[];
  nextCursor: string | null;
}

/** An entry of GET /v1/batches; fields beyond the id are read defensively. */
export interface BatchSummary {
  batchId: string;
  status: BatchState;
  mode: BatchMode;
  createdAt: string;
  createdBy?: string;
  finishedAt?: string | null;
  fileName?: string | null;
  rows: { total: number; accepted: number; rejected: number } | null;
  workflowId: string | null;
  targetWorkspaceId: string;
  retries?: number;
}

export interface BatchesPage {
  batches: BatchSummary[];
  nextCursor: string | null;
}

export interface CatalogueWorkflow {
  id: string;
  name: string;
  tenantId: string;
  serviceTypeId: number;
  status: string;
}

export interface Device {
  uid: string;
  tenantId: string;
  state: string;
  stateId: number;
  previousState: string | null;
  serviceTypeId: number;
  deviceType: number;
  allowedActions: string[];
  assignment: { workflowId: string; workflowName: string | null; assignedAt: string | null; assignedBy: string | null } | null;
  /** The current temp lock in brief (absent from APIs older than this field: then ask /temp-lock). */
  tempLock?: { actionId: string; status: TempLockStatus; directive: string; lockEndsAt: string | null } | null;
  createdAt: string;
  updatedAt: string;
}

export interface TimelineEntry {
  milestone: string;
  fromState: string | null;
  toState: string | null;
  source: string;
  batchId: string | null;
  at: string;
  elapsedSincePreviousMs: number;
  elapsedSinceFirstMs: number;
}

export type TempLockStatus = 'WAITING' | 'ACTIVATING' | 'ACTIVATED' | 'DEACTIVATING' | 'DEACTIVATED' | 'CANCELLED';

export interface TempLockView {
  actionId: string;
  running: boolean;
  status: TempLockStatus;
  directive: 'LOCK' | 'UNLOCK' | 'NONE';
  durationMinutes: number | null;
  workingHours: boolean | null;
  createdAt: string | null;
  checkedInAt: string | null;
  lockStartedAt: string | null;
  lockEndsAt: string | null;
  nextDueAt: string | null;
  cancelReason: string | null;
  history: { seq: number; status: string; at: string; detail?: unknown }[];
}

export type Weekday = 'MON' | 'TUE' | 'WED' | 'THU' | 'FRI' | 'SAT' | 'SUN';

export interface WorkingHours {
  tenantId: string;
  inheritedFrom: string | null;
  timeZone: string;
  windows: { day: Weekday; start: string; end: string }[];
  holidays: string[];
  summary: string;
  updatedBy?: string;
  updatedAt?: string;
}

export const SERVICE_TYPES: Record<number, string> = { 1: 'SIM control', 2: 'Prepaid', 3: 'Postpaid' };
