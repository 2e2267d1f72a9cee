// The JSON Schemas of the OpenAPI document (components.schemas) and the small builders the document uses.
import { AssignmentModes, BatchRowStatuses, BatchStatuses, startedBatchStatuses } from '../../batches/contract';
import { ApiErrorCodes, DeviceResultCodes } from '../errorCodes';
import { FINAL_TEMP_LOCK_STATUSES, TempLockStatuses } from '../../tempLocks/contract';
import { WEEKDAYS } from '../../tenants/contract';

export type Schema = Record<string, unknown>;

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
export const str: Schema = { type: 'string' };
export const int: Schema = { type: 'integer' };
const num: Schema = { type: 'number' };
export const bool: Schema = { type: 'boolean' };
export const dateTime: Schema = { type: 'string', format: 'date-time' };
const nullable = (s: Schema): Schema => ({ anyOf: [s, { type: 'null' }] });
const arrayOf = (items: Schema): Schema => ({ type: 'array', items });
export const oneOf = (values: readonly string[]): Schema => ({ type: 'string', enum: [...values] });
/** An object whose listed properties are all required unless `required` names fewer. */
export const obj = (properties: Record<string, Schema>, required = Object.keys(properties)): Schema => ({
  type: 'object',
  properties,
  required,
});
const counters: Schema = { type: 'object', additionalProperties: int };
const progress = obj({ total: int, done: int, pending: int });
const links = (names: string[]): Schema => obj(Object.fromEntries(names.map((n) => [n, { type: 'string', format: 'uri' }])));
const directive = oneOf(['LOCK', 'UNLOCK', 'NONE']);
const calendar = {
  timeZone: { ...str, description: 'IANA time zone, e.g. Europe/Berlin' },
  windows: arrayOf(
    obj({
      day: oneOf(WEEKDAYS),
      start: { ...str, description: 'HH:MM, local' },
      end: { ...str, description: 'HH:MM or 24:00, exclusive' },
    }),
  ),
  holidays: arrayOf({ type: 'string', format: 'date' }),
};

export const schemas = {
  Problem: {
    ...obj(
      {
        type: str,
        title: str,
        status: int,
        code: { type: 'string', enum: [...new Set([...ApiErrorCodes, ...DeviceResultCodes.filter((c) => c !== 'OK')])] },
        detail: { ...str, description: 'What went wrong and what to do about it, naming the row, device or field.' },
        errors: arrayOf(obj({ field: str, message: str })),
        requestId: { ...str, description: 'The X-Request-Id of this request: quote it when asking an operator about the problem.' },
        firstRequest: {
          ...obj({ request: str, at: dateTime }),
          description: 'IDEMPOTENCY_KEY_REUSED: the request the key was first used for.',
        },
        deviceUid: { ...str, description: 'The device the problem is about.' },
        action: { ...str, description: 'INVALID_TRANSITION and a running temp lock: the state action refused.' },
        state: { ...str, description: 'INVALID_TRANSITION: the state the device is in.' },
        allowedActions: { ...arrayOf(str), description: 'INVALID_TRANSITION: the actions the device’s state allows.' },
        tempLockActionId: { ...str, description: 'A state action refused by a running temp lock: that lock.' },
        tempLockStatus: { ...str, description: 'A state action refused by a running temp lock: its status.' },
      },
      ['type', 'title', 'status', 'code', 'detail'],
    ),
    description:
      'RFC 9457 problem details; branch on `code`. Some problems add fields (`errors`, `deviceUid`, `batchId`, `checks`, `firstRequest`).',
  },
  Caller: obj({ tenantId: str, userId: str, role: oneOf(['operator', 'device_gateway', 'read_only']), tenantTree: arrayOf(str) }),
  Rows: obj({ total: int, accepted: int, rejected: int }),
  BatchLinks: links(['self', 'devices', 'results', 'temporalUi']),
  UploadAccepted: obj({ batchId: str, status: str, mode: oneOf(AssignmentModes), rows: ref('Rows'), links: ref('BatchLinks') }),
  BatchPrediction: {
    ...obj({
      predicted: { ...counters, description: 'Rows by the result code they would end with now (OK: would succeed).' },
      samples: {
        type: 'object',
        additionalProperties: arrayOf(obj({ rowNumber: int, deviceUid: str, message: str })),
        description: 'For each predicted code, its first 5 rows in file order, with why.',
      },
      predictedAt: nullable(dateTime),
    }),
    description: 'A previewed batch’s prediction: the per-device rules run against the inventory at upload.',
  },
  FailureThreshold: {
    ...obj({ maxFailures: nullable(int), maxFailurePercent: nullable(num) }),
    description: 'The upload’s maxFailures / maxFailurePercent: past either, the batch stops starting devices and ends FAILED.',
  },
  BatchSchedule: {
    ...obj({ startAt: nullable(dateTime), withinWorkingHours: bool }),
    description:
      'The upload’s startAt (no device starts before it; null: at once) and withinWorkingHours (devices start only inside the target workspace’s working hours).',
  },
  BatchPreview: obj({
    batchId: str,
    status: { const: 'PREVIEW' },
    mode: oneOf(AssignmentModes),
    rows: ref('Rows'),
    targetWorkspaceId: str,
    failureThreshold: nullable(ref('FailureThreshold')),
    schedule: nullable(ref('BatchSchedule')),
    predicted: counters,
    samples: { type: 'object', additionalProperties: arrayOf(obj({ rowNumber: int, deviceUid: str, message: str })) },
    predictedAt: nullable(dateTime),
    links: ref('BatchLinks'),
  }),
  StopReason: {
    ...obj({ threshold: oneOf(['maxFailures', 'maxFailurePercent']), limit: num, failed: int, processed: int, message: str }),
    description: 'Why the batch stopped early (status FAILED): which threshold, its limit, the failed and processed devices.',
  },
  BatchStatus: obj({
    batchId: str,
    tenantId: str,
    createdBy: str,
    status: oneOf(BatchStatuses),
    nextStartAt: {
      ...nullable(dateTime),
      description:
        'While SCHEDULED or WAITING_FOR_WORKING_HOURS: when the batch next starts devices (null otherwise, or when no working hours lie ahead).',
    },
    isSuccess: nullable(bool),
    mode: oneOf(AssignmentModes),
    action: { ...nullable(str), description: 'Mode action: the device action applied to every device.' },
    actor: {
      ...obj({ type: oneOf(['api_key']), name: str, role: str }, ['type', 'name']),
      description: 'Who uploaded the batch: the API key’s name and role.',
    },
    channel: { ...oneOf(['API', 'PORTAL']), description: 'Through what the batch was uploaded.' },
    workflowId: nullable(str),
    targetWorkspaceId: str,
    fileName: nullable(str),
    retries: int,
    failureThreshold: nullable(ref('FailureThreshold')),
    schedule: nullable(ref('BatchSchedule')),
    stopReason: nullable(ref('StopReason')),
    preview: { ...nullable(ref('BatchPrediction')), description: 'A batch uploaded with preview=true: its prediction.' },
    rows: ref('Rows'),
    progress,
    countersByStatus: counters,
    countersByCode: counters,
    timings: obj({
      createdAt: dateTime,
      startedAt: nullable(dateTime),
      finishedAt: nullable(dateTime),
      elapsedSeconds: num,
      devicesPerSecond: nullable(num),
    }),
    links: ref('BatchLinks'),
  }),
  BatchSummary: obj({
    batchId: str,
    tenantId: str,
    createdBy: str,
    status: oneOf(BatchStatuses),
    nextStartAt: {
      ...nullable(dateTime),
      description:
        'While SCHEDULED or WAITING_FOR_WORKING_HOURS: when the batch next starts devices (null otherwise, or when no working hours lie ahead).',
    },
    isSuccess: nullable(bool),
    mode: oneOf(AssignmentModes),
    workflowId: nullable(str),
    targetWorkspaceId: str,
    fileName: nullable(str),
    retries: int,
    rows: nullable(ref('Rows')),
    progress: { ...progress, description: 'The rows processed and still pending, as getBatch counts them.' },
    countersByStatus: { ...counters, description: 'The rows in each status (PENDING, SUCCEEDED, FAILED, SKIPPED, CANCELLED).' },
    createdAt: dateTime,
    startedAt: nullable(dateTime),
    finishedAt: nullable(dateTime),
    links: ref('BatchLinks'),
  }),
  BatchList: obj({ batches: arrayOf(ref('BatchSummary')), nextCursor: nullable(str), links: obj({ next: nullable(str) }) }),
  BatchCancelling: obj({ batchId: str, status: oneOf(['CANCELLING', 'CANCELLED']), links: links(['self']) }),
  BatchRunControlled: obj({ batchId: str, status: oneOf(startedBatchStatuses), links: links(['self']) }),
  BatchRetrying: obj({ batchId: str, status: { const: 'RUNNING' }, retry: int, devices: int, links: ref('BatchLinks') }),
  BatchDevice: obj({
    rowNumber: int,
    deviceUid: str,
    deviceId: nullable(int),
    status: oneOf(BatchRowStatuses),
    code: nullable(str),
    message: nullable(str),
    finishedAt: nullable(dateTime),
  }),
  BatchDevicesPage: obj({
    batchId: str,
    devices: arrayOf(ref('BatchDevice')),
    nextCursor: nullable(str),
    links: obj({ next: nullable(str) }),
  }),
  Device: obj({
    uid: str,
    imei2: nullable(str),
    tenantId: str,
    state: str,
    stateId: int,
    previousState: nullable(str),
    serviceTypeId: int,
    deviceType: int,
    allowedActions: arrayOf(str),
    assignment: nullable(
      obj({
        workflowId: str,
        workflowName: nullable(str),
        assignedAt: nullable(dateTime),
        assignedBy: nullable(str),
        isActivatingWorkflow: bool,
      }),
    ),
    tempLock: {
      ...nullable(
        obj(
          {
            actionId: str,
            status: oneOf(TempLockStatuses.filter((s) => !FINAL_TEMP_LOCK_STATUSES.includes(s))),
            directive,
            lockEndsAt: nullable(dateTime),
            links: links(['self']),
          },
          ['actionId', 'status', 'directive', 'lockEndsAt'],
        ),
      ),
      description: "The device's running temp lock (null when none runs): what a check-in is told now, and when the lock ends.",
    },
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
  DeviceListEntry: obj({
    uid: str,
    imei2: nullable(str),
    tenantId: str,
    state: str,
    stateId: int,
    serviceTypeId: int,
    deviceType: int,
    workflow: {
      ...nullable(obj({ workflowId: str, workflowName: nullable(str) })),
      description: "The catalogue workflow the device has (the product's workflow, not a Temporal one), or null.",
    },
    createdAt: dateTime,
    updatedAt: dateTime,
    links: links(['self']),
  }),
  DeviceList: obj({ devices: arrayOf(ref('DeviceListEntry')), nextCursor: nullable(str), links: obj({ next: nullable(str) }) }),
  DeviceHistory: obj({
    uid: str,
    timeline: arrayOf(
      obj({
        milestone: str,
        fromState: nullable(str),
        toState: nullable(str),
        source: str,
        batchId: nullable(str),
        details: { type: ['object', 'null'] },
        actor: {
          ...obj({ type: oneOf(['api_key', 'batch', 'system']), name: str, role: str }, ['type', 'name']),
          description: 'Who did it: an API key (its name and role), a batch (`batch <id>`) or the system.',
        },
        channel: { ...nullable(oneOf(['API', 'PORTAL', 'BATCH', 'TEMP_LOCK'])), description: 'Through what it came.' },
        note: { ...nullable(str), description: 'The note the actor gave.' },
        at: dateTime,
        elapsedSincePreviousMs: int,
        elapsedSinceFirstMs: int,
      }),
    ),
  }),
  DeviceActionResult: obj(
    {
      uid: str,
      previousState: str,
      state: str,
      allowedActions: { ...arrayOf(str), description: 'The actions the new state allows.' },
      historyEntryId: { ...int, description: "The id of the device's history row that records this action." },
      gatewayCommand: {
        ...obj({ temporalUi: { type: 'string', format: 'uri' } }),
        description:
          'LOCK and UNLOCK only: the workflow that tells the device through the gateway, after the answer; retried until the gateway takes it.',
      },
    },
    ['uid', 'previousState', 'state', 'allowedActions', 'historyEntryId'],
  ),
  DeviceWorkflowResult: obj({ deviceUid: str, mode: oneOf(AssignmentModes), code: str, message: str, links: links(['temporalUi']) }),
  Workflow: obj({ id: str, name: str, tenantId: str, serviceTypeId: int, status: str }),
  WorkflowCatalogue: obj({ workflows: arrayOf(ref('Workflow')) }),
  TempLockAccepted: obj({
    actionId: str,
    workflowId: str,
    status: { const: 'WAITING' },
    durationMinutes: int,
    workingHours: bool,
    overriddenActionId: nullable(str),
    links: links(['self']),
  }),
  TempLockView: obj({
    actionId: str,
    workflowId: str,
    running: bool,
    status: oneOf(TempLockStatuses),
    directive,
    durationMinutes: nullable(int),
    workingHours: nullable(bool),
    notification: {},
    createdAt: nullable(dateTime),
    checkedInAt: nullable(dateTime),
    lockStartedAt: nullable(dateTime),
    lockEndsAt: nullable(dateTime),
    nextDueAt: nullable(dateTime),
    cancelReason: nullable(str),
    failureReason: { ...nullable(str), description: 'FAILED: why the device-control gateway refused the lock or unlock command.' },
    note: nullable(str),
    history: arrayOf(obj({ seq: int, status: str, at: dateTime, detail: {} }, ['seq', 'status', 'at'])),
  }),
  TempLockCancelling: obj({ actionId: nullable(str), workflowId: str, status: { const: 'CANCELLING' } }),
  CheckInAnswer: obj({
    deviceUid: str,
    checkedInAt: dateTime,
    directive,
    lockUntil: nullable(dateTime),
    actionId: nullable(str),
    status: nullable(oneOf(TempLockStatuses)),
  }),
  WorkingHoursCalendar: obj(calendar),
  WorkingHours: obj({
    tenantId: str,
    configured: { const: true },
    inheritedFrom: nullable(str),
    ...calendar,
    summary: str,
    updatedBy: str,
    updatedAt: dateTime,
  }),
  NoWorkingHours: {
    ...obj({ tenantId: str, configured: { const: false }, timeZone: { type: 'null' }, summary: str }),
    description: 'No calendar applies to the tenant (none of its own, none inherited): it has no time zone either.',
  },
  WorkingHoursAnswer: { anyOf: [ref('WorkingHours'), ref('NoWorkingHours')] },
  NextWorkingInstant: obj({
    tenantId: str,
    calendarOf: { ...str, description: 'The tenant whose calendar applies (the tenant itself or an ancestor).' },
    timeZone: str,
    at: dateTime,
    atLocal: { ...str, description: "`at` on the calendar's wall clock, e.g. 2026-12-24 11:00 THU" },
    isWorkingInstant: bool,
    nextWorkingInstant: nullable(dateTime),
    nextWorkingInstantLocal: nullable(str),
  }),
} satisfies Record<string, Schema>;
