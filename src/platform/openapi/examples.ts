// Examples in the OpenAPI document: request bodies, the main answers and a problem per error-code family.
// The document's lint checks each against its schema, so they stay true to the routes.

const batchId = '0b7c2f0e-5d7e-4c4a-9d55-1f1f3c6a2b10';
const batchUrl = `https://devices.example.net/v1/batches/${batchId}`;
const temporalUi = `https://temporal.example.net/namespaces/default/workflows/batch-assign%2F${batchId}%2F0`;
const deviceUid = '353456789012348';
const actionId = 'a6f1d3c2-8b2e-4f0a-9a51-7d3c1e2b4f60';

const batchLinksExample = { self: batchUrl, devices: `${batchUrl}/devices`, results: `${batchUrl}/results.csv`, temporalUi };

export const examples = {
  csvUpload: 'deviceUid\n353456789012348\n353456789012355\n353456789012363\n',
  uploadAccepted: { batchId, status: 'RUNNING', mode: 'assign', rows: { total: 3, accepted: 3, rejected: 0 }, links: batchLinksExample },
  batchStatus: {
    batchId,
    tenantId: 'acme',
    createdBy: 'ops@acme',
    status: 'RUNNING',
    isSuccess: null,
    mode: 'assign',
    workflowId: '665f1c2e9b1e8a3d4c5b6a79',
    targetWorkspaceId: 'acme',
    fileName: 'devices.csv',
    retries: 0,
    failureThreshold: { maxFailures: null, maxFailurePercent: 5 },
    stopReason: null,
    rows: { total: 100000, accepted: 99786, rejected: 214 },
    progress: { total: 100000, done: 61204, pending: 38796 },
    countersByStatus: { PENDING: 38796, SUCCEEDED: 60990, FAILED: 214 },
    countersByCode: { OK: 60990, INVALID_DEVICE_UID: 214 },
    timings: {
      createdAt: '2026-11-30T09:00:00.000Z',
      startedAt: '2026-11-30T09:00:01.250Z',
      finishedAt: null,
      elapsedSeconds: 122.4,
      devicesPerSecond: 500.0,
    },
    links: batchLinksExample,
  },
  batchList: {
    batches: [
      {
        batchId,
        tenantId: 'acme',
        createdBy: 'ops@acme',
        status: 'RUNNING',
        isSuccess: null,
        mode: 'assign',
        workflowId: '665f1c2e9b1e8a3d4c5b6a79',
        targetWorkspaceId: 'acme',
        fileName: 'devices.csv',
        retries: 0,
        rows: { total: 100000, accepted: 99786, rejected: 214 },
        createdAt: '2026-11-30T09:00:00.000Z',
        startedAt: '2026-11-30T09:00:01.250Z',
        finishedAt: null,
        links: batchLinksExample,
      },
    ],
    nextCursor: 'MTc2NDQ5MzIwMDAwMDAwMC4wYjdjMmYwZS01ZDdlLTRjNGEtOWQ1NS0xZjFmM2M2YTJiMTA',
    links: {
      next: 'https://devices.example.net/v1/batches?limit=1&cursor=MTc2NDQ5MzIwMDAwMDAwMC4wYjdjMmYwZS01ZDdlLTRjNGEtOWQ1NS0xZjFmM2M2YTJiMTA',
    },
  },
  batchDevicesPage: {
    batchId,
    devices: [
      {
        rowNumber: 1,
        deviceUid,
        deviceId: 1017,
        status: 'SUCCEEDED',
        code: 'OK',
        message: 'workflow assigned',
        finishedAt: '2026-11-30T09:00:02.010Z',
      },
      {
        rowNumber: 2,
        deviceUid: '35345678901235',
        deviceId: null,
        status: 'FAILED',
        code: 'INVALID_DEVICE_UID',
        message: 'row 2: 35345678901235 is neither a 15-digit IMEI nor a serial number',
        finishedAt: '2026-11-30T09:00:00.900Z',
      },
    ],
    nextCursor: '2',
    links: { next: `${batchUrl}/devices?limit=2&cursor=2` },
  },
  resultsCsv: `rowNumber,deviceUid,status,code,message,finishedAt\r\n1,${deviceUid},SUCCEEDED,OK,workflow assigned,2026-11-30T09:00:02.010Z\r\n`,
  tempLockRequest: { durationMinutes: 90, workingHours: true, notification: { title: 'Payment overdue', body: 'Call us to unlock.' } },
  tempLockAccepted: {
    actionId,
    workflowId: `temp-lock/acme/${deviceUid}`,
    status: 'WAITING',
    durationMinutes: 90,
    workingHours: true,
    overriddenActionId: null,
    links: { self: `https://devices.example.net/v1/devices/${deviceUid}/temp-lock?tenantId=acme` },
  },
  checkInLock: {
    deviceUid,
    checkedInAt: '2026-11-30T09:15:00.000Z',
    directive: 'LOCK',
    lockUntil: '2026-11-30T10:45:00.000Z',
    actionId,
    status: 'ACTIVATING',
  },
  device: {
    uid: deviceUid,
    imei2: null,
    tenantId: 'acme',
    state: 'LOCKED',
    stateId: 5,
    previousState: 'ACTIVE',
    serviceTypeId: 1,
    deviceType: 1,
    allowedActions: ['UNLOCK'],
    assignment: {
      workflowId: '665f1c2e9b1e8a3d4c5b6a79',
      workflowName: 'Finance policy',
      assignedAt: '2026-11-30T09:00:02.010Z',
      assignedBy: 'ops@acme',
      isActivatingWorkflow: false,
    },
    tempLock: {
      actionId,
      status: 'ACTIVATED',
      directive: 'LOCK',
      lockEndsAt: '2026-11-30T10:45:00.000Z',
      links: { self: `https://devices.example.net/v1/devices/${deviceUid}/temp-lock?tenantId=acme` },
    },
    createdAt: '2026-10-01T12:00:00.000Z',
    updatedAt: '2026-11-30T09:15:01.200Z',
  },
  tempLockView: {
    actionId,
    workflowId: `temp-lock/acme/${deviceUid}`,
    running: true,
    status: 'ACTIVATED',
    directive: 'LOCK',
    durationMinutes: 90,
    workingHours: true,
    notification: { title: 'Payment overdue', body: 'Call us to unlock.' },
    createdAt: '2026-11-30T09:10:00.000Z',
    checkedInAt: '2026-11-30T09:15:00.000Z',
    lockStartedAt: '2026-11-30T09:15:00.000Z',
    lockEndsAt: '2026-11-30T10:45:00.000Z',
    nextDueAt: '2026-11-30T10:45:00.000Z',
    cancelReason: null,
    failureReason: null,
    note: null,
    history: [
      { seq: 1, status: 'WAITING', at: '2026-11-30T09:10:00.000Z' },
      { seq: 2, status: 'ACTIVATING', at: '2026-11-30T09:10:00.050Z' },
      { seq: 3, status: 'ACTIVATED', at: '2026-11-30T09:15:00.120Z' },
    ],
  },
  workingHoursAnswer: {
    tenantId: 'acme-north',
    inheritedFrom: 'acme',
    timeZone: 'Europe/Berlin',
    windows: [{ day: 'MON', start: '08:00', end: '17:30' }],
    holidays: ['2026-12-25'],
    summary: 'Europe/Berlin: MON 08:00-17:30; 1 holiday',
    updatedBy: 'ops@acme',
    updatedAt: '2026-11-01T08:00:00.000Z',
  },
  workflowCatalogue: {
    workflows: [{ id: '665f1c2e9b1e8a3d4c5b6a79', name: 'Finance policy', tenantId: 'acme', serviceTypeId: 1, status: 'ACTIVE' }],
  },
  workingHours: {
    timeZone: 'Europe/Berlin',
    windows: [
      { day: 'MON', start: '08:00', end: '17:30' },
      { day: 'TUE', start: '08:00', end: '17:30' },
    ],
    holidays: ['2026-12-25'],
  },
  batchEvents:
    `event: progress\nid: 1\ndata: {"batchId":"${batchId}","status":"RUNNING","progress":{"total":3,"done":1,"pending":2},…}\n\n` +
    `event: end\nid: 2\ndata: {"batchId":"${batchId}","status":"COMPLETED","progress":{"total":3,"done":3,"pending":0},…}\n\n`,
  nextWorkingInstant: {
    tenantId: 'demo-north',
    calendarOf: 'demo',
    timeZone: 'Europe/Berlin',
    at: '2026-12-24T10:00:00.000Z',
    atLocal: '2026-12-24 11:00 THU',
    isWorkingInstant: false,
    nextWorkingInstant: '2026-12-28T07:00:00.000Z',
    nextWorkingInstantLocal: '2026-12-28 08:00 MON',
  },
};

/** One problem+json example per error-code family, named by what the caller did. */
export const problemExamples = {
  idempotencyKeyReused: {
    status: 422,
    code: 'IDEMPOTENCY_KEY_REUSED',
    detail:
      'Idempotency-Key "assign-7" was first used at 2026-11-30T09:00:00.000Z for a different request (POST /v1/devices/353456789012348/workflow); nothing was done: send a new key for a new request',
    firstRequest: { request: 'POST /v1/devices/353456789012348/workflow', at: '2026-11-30T09:00:00.000Z' },
  },
  validationFailed: { status: 400, code: 'VALIDATION_FAILED', detail: 'mode must be one of assign, register, exit' },
  invalidDeviceUid: { status: 400, code: 'INVALID_DEVICE_UID', detail: '35345678901235 is neither a 15-digit IMEI nor a serial number' },
  unauthenticated: { status: 401, code: 'UNAUTHENTICATED', detail: 'missing API key: send it in the X-API-Key header' },
  forbidden: { status: 403, code: 'FORBIDDEN', detail: 'this operation needs role operator; the API key has role read_only' },
  notFound: { status: 404, code: 'NOT_FOUND', detail: `no batch ${batchId}` },
  conflict: { status: 409, code: 'CONFLICT', detail: `batch ${batchId} is COMPLETED; only a running batch can be cancelled` },
  deviceHasNoWorkflow: {
    status: 409,
    code: 'DEVICE_HAS_NO_WORKFLOW',
    detail: `device ${deviceUid} has no active workflow; a temp lock needs one`,
  },
  payloadTooLarge: { status: 413, code: 'PAYLOAD_TOO_LARGE', detail: 'the file exceeds the limit of 67108864 bytes' },
  invalidJson: { status: 400, code: 'VALIDATION_FAILED', detail: 'request body is not valid JSON' },
  jsonOnly: {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    detail: 'send a JSON body with Content-Type: application/json, not text/plain',
  },
  unsupportedMediaType: {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    detail: 'send the file as text/csv or as the "file" part of multipart/form-data, not application/json',
  },
  workflowNotFound: {
    status: 422,
    code: 'WORKFLOW_NOT_FOUND',
    detail: 'workflow 665f1c2e9b1e8a3d4c5b6a79 is not an active workflow of your catalogue',
  },
  invalidServiceType: { status: 422, code: 'INVALID_SERVICE_TYPE', detail: 'serviceTypeId must be 1, 2 or 3' },
  fieldErrors: {
    status: 422,
    code: 'VALIDATION_FAILED',
    detail: 'durationMinutes must be a whole number of minutes from 1 to 525600, got 0',
    errors: [{ field: 'durationMinutes', message: 'durationMinutes must be a whole number of minutes from 1 to 525600, got 0' }],
  },
  rateLimited: { status: 429, code: 'RATE_LIMITED', detail: 'rate limit of 50 requests/s for this API key exceeded; retry after 1 s' },
  tooManyFailedAuthentications: {
    status: 429,
    code: 'TOO_MANY_FAILED_AUTHENTICATIONS',
    detail: 'too many requests with a missing, unknown or revoked API key from this address; retry after 2 s with a valid key',
  },
  tooManyStreams: {
    status: 429,
    code: 'TOO_MANY_STREAMS',
    detail: 'this API key already has 10 live streams open, its limit; close one, or poll GET /v1/batches/{id} (retry after 10 s)',
  },
  jsonTooDeep: {
    status: 422,
    code: 'VALIDATION_FAILED',
    detail: 'the JSON body nests objects and arrays deeper than 32 levels, the limit; send a flatter body',
  },
  serviceUnavailable: { status: 503, code: 'SERVICE_UNAVAILABLE', detail: 'the API is shutting down; send the request again' },
};
