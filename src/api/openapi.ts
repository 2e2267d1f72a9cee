// The OpenAPI 3.1 document of /v1, served at GET /v1/openapi.json. `npm run lint` lints it (Redocly's
// recommended rules) and checks that the committed client types (openapiTypes.ts) were generated from it.
import { AssignmentModes, BatchRowStatuses, BatchStatuses } from '../domain/assignmentModes';
import { examples } from './openapiExamples';
import {
  PathItem,
  answer,
  authErrors,
  batchId,
  deviceUid,
  idempotencyKey,
  jsonBodyErrors,
  location,
  problem,
  responses,
  tags,
  tenantQuery,
} from './openapiOperations';
import { Schema, bool, dateTime, obj, oneOf, ref, schemas, str } from './openapiSchemas';

const uploadOptions: Record<string, Schema> = {
  mode: { ...oneOf(AssignmentModes), description: 'Required: assign a workflow, register devices then assign, or exit their workflow.' },
  workflowId: { ...str, description: 'The catalogue workflow (24-character hex id); required unless mode is exit.' },
  serviceTypeId: {
    type: 'integer',
    enum: [1, 2, 3],
    description: 'Only devices of this service type (1 SIM_CONTROL, 2 PREPAID, 3 POSTPAID).',
  },
  targetWorkspaceId: { ...str, description: 'The workspace whose devices the file names (default: your own tenant).' },
  createMissing: { ...bool, description: 'With mode register: create devices the inventory does not have yet.' },
  maxFailures: {
    type: 'integer',
    minimum: 0,
    description:
      'Stop the batch once more than this many devices have failed: status FAILED, the devices not started CANCELLED. Default: no limit.',
  },
  maxFailurePercent: {
    type: 'number',
    minimum: 0,
    maximum: 100,
    description:
      'Stop the batch once more than this share of its processed devices has failed, judged from 100 processed devices on. Default: no limit.',
  },
};

const batchPaths: Record<string, PathItem> = {
  '/batches': {
    get: {
      operationId: 'listBatches',
      summary: "Your tenant tree's batches, newest first",
      description:
        'Pass `nextCursor` as `cursor` (or follow `links.next`) for the next page; it is null on the last. Filters combine; ' +
        'the created range is `createdFrom` ≤ created < `createdTo`.',
      tags: ['batches'],
      parameters: [
        { name: 'status', in: 'query', description: 'Only batches with this status.', schema: oneOf(BatchStatuses) },
        { name: 'mode', in: 'query', description: 'Only batches of this mode.', schema: oneOf(AssignmentModes) },
        { name: 'createdFrom', in: 'query', description: 'Only batches created at or after this instant.', schema: dateTime },
        { name: 'createdTo', in: 'query', description: 'Only batches created before this instant.', schema: dateTime },
        { name: 'cursor', in: 'query', description: 'The `nextCursor` of the previous page.', schema: str },
        {
          name: 'limit',
          in: 'query',
          description: 'Batches per page.',
          schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
        },
      ],
      responses: {
        200: answer('One page.', 'BatchList', examples.batchList),
        400: problem('A bad filter, limit or cursor, or an unknown parameter.', 'validationFailed'),
        ...authErrors,
      },
    },
    post: {
      operationId: 'uploadBatch',
      summary: 'Upload a CSV of device UIDs and start a batch',
      description:
        'The file has a header line naming a `deviceUid` (or `imei`) column and one device per line. Every row is stored before ' +
        'the answer, and rows that can never succeed (an invalid UID, a duplicate) are already counted as rejected; the batch ' +
        'then runs in the background: poll `links.self` (getBatch). Options go in the query string or, for multipart, as form fields.',
      tags: ['batches'],
      parameters: [...Object.entries(uploadOptions).map(([name, schema]) => ({ name, in: 'query', schema })), idempotencyKey],
      requestBody: {
        required: true,
        content: {
          'text/csv': { schema: str, example: examples.csvUpload },
          'multipart/form-data': {
            schema: obj({ file: { type: 'string', contentMediaType: 'text/csv' }, ...uploadOptions }, ['file']),
          },
        },
      },
      responses: {
        200: { ...answer('The batch an earlier request with this Idempotency-Key started.', 'UploadAccepted'), headers: location },
        202: { ...answer('Stored and started.', 'UploadAccepted', examples.uploadAccepted), headers: location },
        400: problem('A bad parameter, or a file that is not CSV text with a device column.', 'validationFailed'),
        404: problem('The target workspace is not in your tenant tree.', 'notFound'),
        413: problem('The file has more bytes or rows than this API accepts.', 'payloadTooLarge'),
        415: problem('The body is neither text/csv nor multipart/form-data.', 'unsupportedMediaType'),
        422: problem(
          'The workflow is not an active workflow of your catalogue, or its service type differs; or the Idempotency-Key was first used for another upload.',
          'workflowNotFound',
          'invalidServiceType',
          'idempotencyKeyReused',
        ),
        ...authErrors,
      },
    },
  },
  '/batches/{id}': {
    get: {
      operationId: 'getBatch',
      summary: "A batch's status, progress, counters and timings",
      tags: ['batches'],
      parameters: [batchId],
      responses: {
        200: answer('The batch.', 'BatchStatus', examples.batchStatus),
        404: problem('No such batch in your tenant tree.', 'notFound'),
        ...authErrors,
      },
    },
  },
  '/batches/{id}/devices': {
    get: {
      operationId: 'listBatchDevices',
      summary: "A page of a batch's per-device results",
      description: 'Rows in file order. Pass `nextCursor` as `cursor` (or follow `links.next`) for the next page; it is null on the last.',
      tags: ['batches'],
      parameters: [
        batchId,
        { name: 'status', in: 'query', description: 'Only rows with this status.', schema: oneOf(BatchRowStatuses) },
        { name: 'code', in: 'query', description: 'Only rows with this result code, e.g. WRONG_STATE_DEVICE.', schema: str },
        { name: 'cursor', in: 'query', description: 'The `nextCursor` of the previous page.', schema: str },
        { name: 'limit', in: 'query', description: 'Rows per page.', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
      ],
      responses: {
        200: answer('One page.', 'BatchDevicesPage', examples.batchDevicesPage),
        400: problem('A malformed cursor or a repeated filter.', 'validationFailed'),
        404: problem('No such batch in your tenant tree.', 'notFound'),
        ...authErrors,
      },
    },
  },
  '/batches/{id}/events': {
    get: {
      operationId: 'streamBatchEvents',
      summary: "A batch's live progress as Server-Sent Events",
      description:
        'A `progress` event (data: a BatchStatus) whenever the counters changed, at most one every 500 ms, then one `end` event ' +
        '(data: the BatchStatus with status COMPLETED or CANCELLED) and the stream closes; a finished batch gets its `end` event at ' +
        'once. Send the X-API-Key header: read the stream with fetch (EventSource cannot send headers), so the key stays out of URLs.',
      tags: ['batches'],
      parameters: [batchId],
      responses: {
        200: {
          description: 'The event stream.',
          content: { 'text/event-stream': { schema: str, example: examples.batchEvents } },
        },
        404: problem('No such batch in your tenant tree.', 'notFound'),
        ...authErrors,
      },
    },
  },
  '/batches/{id}/results.csv': {
    get: {
      operationId: 'downloadBatchResults',
      summary: "A batch's per-device results as CSV",
      description: 'Streams every row in file order; the same data as listBatchDevices, for spreadsheets.',
      tags: ['batches'],
      parameters: [batchId],
      responses: {
        200: { description: 'The CSV file.', content: { 'text/csv': { schema: str, example: examples.resultsCsv } } },
        404: problem('No such batch in your tenant tree.', 'notFound'),
        ...authErrors,
      },
    },
  },
  '/batches/{id}/cancel': {
    post: {
      operationId: 'cancelBatch',
      summary: 'Cancel a running batch',
      description:
        'Devices already done keep their result; pending ones end CANCELLED. A running batch answers CANCELLING and ends CANCELLED ' +
        'shortly after; a batch whose workflow is not running (e.g. stored while Temporal was unreachable) ends CANCELLED at once.',
      tags: ['batches'],
      parameters: [batchId],
      responses: {
        202: answer('Cancelling.', 'BatchCancelling'),
        404: problem('No such batch in your tenant tree.', 'notFound'),
        409: problem('The batch is not running.', 'conflict'),
        ...authErrors,
      },
    },
  },
  '/batches/{id}/retry': {
    post: {
      operationId: 'retryBatch',
      summary: "Retry a finished batch's failed devices",
      description:
        'Runs the FAILED rows again, except those rejected at upload (invalid or duplicate UIDs), which no retry can change, and any ' +
        'row still PENDING. Works on any batch whose workflow is not running.',
      tags: ['batches'],
      parameters: [batchId],
      responses: {
        202: answer('Retrying.', 'BatchRetrying'),
        404: problem('No such batch in your tenant tree.', 'notFound'),
        409: problem('The batch is still running, or has no failed device a retry could change.', 'conflict'),
        ...authErrors,
      },
    },
  },
};

const devicePaths: Record<string, PathItem> = {
  '/devices/{uid}': {
    get: {
      operationId: 'getDevice',
      summary: "A device's state, allowed next actions and workflow assignment",
      tags: ['devices'],
      parameters: [deviceUid, tenantQuery],
      responses: {
        200: answer('The device.', 'Device', examples.device),
        400: problem('The UID is neither an IMEI nor a serial number.', 'invalidDeviceUid'),
        404: problem('No such device in your tenant tree.', 'notFound'),
        ...authErrors,
      },
    },
  },
  '/devices/{uid}/history': {
    get: {
      operationId: 'getDeviceHistory',
      summary: "A device's timeline of milestones",
      description: 'Oldest first, at most 1,000 entries, each with the time since the previous one.',
      tags: ['devices'],
      parameters: [deviceUid, tenantQuery],
      responses: {
        200: answer('The timeline.', 'DeviceHistory'),
        400: problem('The UID is neither an IMEI nor a serial number.', 'invalidDeviceUid'),
        404: problem('No such device in your tenant tree.', 'notFound'),
        ...authErrors,
      },
    },
  },
  '/devices/{uid}/workflow': {
    post: {
      operationId: 'assignDeviceWorkflow',
      summary: 'Assign a catalogue workflow to one device',
      description: 'Runs the same per-device step as a batch row and answers when it is done; the problem carries its result code.',
      tags: ['devices'],
      parameters: [deviceUid, tenantQuery, idempotencyKey],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: obj({ workflowId: str, mode: { ...oneOf(['assign', 'register']), default: 'assign' } }, ['workflowId']),
            example: { workflowId: '665f1c2e9b1e8a3d4c5b6a79' },
          },
        },
      },
      responses: {
        ...jsonBodyErrors,
        200: answer('Assigned.', 'DeviceWorkflowResult'),
        400: problem('A malformed workflow id, mode or device UID.', 'validationFailed', 'invalidDeviceUid'),
        404: problem('No such device in your tenant tree, or it may not take a workflow.', 'notFound'),
        409: problem('The device is in the wrong state or already has a workflow.', 'conflict'),
        422: problem(
          'The workflow is not an active workflow of your catalogue, or the Idempotency-Key was first used for another request.',
          'workflowNotFound',
          'idempotencyKeyReused',
        ),
        ...authErrors,
      },
    },
    delete: {
      operationId: 'exitDeviceWorkflow',
      summary: "End one device's workflow",
      tags: ['devices'],
      parameters: [deviceUid, tenantQuery, idempotencyKey],
      responses: {
        200: answer('Exited.', 'DeviceWorkflowResult'),
        400: problem('The UID is neither an IMEI nor a serial number.', 'invalidDeviceUid'),
        404: problem('No such device in your tenant tree.', 'notFound'),
        409: problem('The device has no workflow.', 'deviceHasNoWorkflow'),
        422: problem('The Idempotency-Key was first used for another request.', 'idempotencyKeyReused'),
        ...authErrors,
      },
    },
  },
};

const tempLockPaths: Record<string, PathItem> = {
  '/devices/{uid}/temp-lock': {
    put: {
      operationId: 'assignTempLock',
      summary: 'Lock a device temporarily',
      description:
        "The lock starts at the device's next check-in (inside working hours when `workingHours` is true) and lasts " +
        '`durationMinutes`; a lock already running on the device is cancelled (unlocked) first and named in `overriddenActionId`.',
      tags: ['temp-locks'],
      parameters: [deviceUid, tenantQuery],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: obj(
              {
                durationMinutes: { type: 'integer', minimum: 1, maximum: 525600 },
                workingHours: { ...bool, default: false },
                notification: {
                  description: 'Shown on the device while it is locked; passed through as given. At most 16 KB (16,384 bytes) of JSON.',
                },
              },
              ['durationMinutes'],
            ),
            example: examples.tempLockRequest,
          },
        },
      },
      responses: {
        ...jsonBodyErrors,
        202: answer('Waiting for the check-in.', 'TempLockAccepted', examples.tempLockAccepted),
        404: problem('No such device in your tenant tree.', 'notFound'),
        409: problem('The device has no active workflow.', 'deviceHasNoWorkflow'),
        422: problem(
          'An invalid duration, a notification over 16 KB, or working hours asked of a tenant without a calendar.',
          'fieldErrors',
        ),
        ...authErrors,
      },
    },
    get: {
      operationId: 'getTempLock',
      summary: "The device's current or latest temp lock, with its status history",
      tags: ['temp-locks'],
      parameters: [deviceUid, tenantQuery],
      responses: {
        200: answer('The lock.', 'TempLockView', examples.tempLockView),
        404: problem('No such device, or it has never had a temp lock.', 'notFound'),
        ...authErrors,
      },
    },
    delete: {
      operationId: 'cancelTempLock',
      summary: "Cancel the device's running temp lock",
      description:
        'A lock already applied is lifted (the device is unlocked) before the lock ends CANCELLED. A lock whose end has come ' +
        '(its unlock sent) ends DEACTIVATED regardless.',
      tags: ['temp-locks'],
      parameters: [deviceUid, tenantQuery],
      responses: {
        202: answer('Cancelling.', 'TempLockCancelling'),
        404: problem('No temp lock is running on the device.', 'notFound'),
        ...authErrors,
      },
    },
  },
  '/devices/{uid}/check-in': {
    post: {
      operationId: 'checkIn',
      summary: "Report a device's check-in and get its lock directive",
      description:
        'For device-gateway keys only. The answer tells the device what to do now: LOCK until `lockUntil`, UNLOCK, or NONE ' +
        "(also when no lock is running). It is computed from the lock's stored state and never waits for a worker; the " +
        "check-in reaches the lock's workflow as a signal with this check-in's time, and a retry carrying the same " +
        '`X-Request-Id` counts once.',
      tags: ['temp-locks'],
      parameters: [deviceUid, tenantQuery],
      responses: {
        200: answer('The directive.', 'CheckInAnswer', examples.checkInLock),
        404: problem('No such device in your tenant tree.', 'notFound'),
        ...authErrors,
      },
    },
  },
};

const tenantId = { name: 'id', in: 'path', required: true, description: 'A tenant in your tenant tree.', schema: str };
const tenantPaths: Record<string, PathItem> = {
  '/tenants/{id}/working-hours': {
    get: {
      operationId: 'getWorkingHours',
      summary: 'The working-hours calendar that applies to a tenant',
      description: "The tenant's own calendar, or the nearest ancestor's (named in `inheritedFrom`).",
      tags: ['tenants'],
      parameters: [tenantId],
      responses: {
        200: answer('The calendar.', 'WorkingHours', examples.workingHoursAnswer),
        404: problem('No such tenant in your tree, or no calendar applies.', 'notFound'),
        ...authErrors,
      },
    },
    put: {
      operationId: 'setWorkingHours',
      summary: "Replace a tenant's own working-hours calendar",
      tags: ['tenants'],
      parameters: [tenantId],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: ref('WorkingHoursCalendar'), example: examples.workingHours } },
      },
      responses: {
        ...jsonBodyErrors,
        200: answer('Saved.', 'WorkingHours'),
        404: problem('No such tenant in your tree.', 'notFound'),
        422: problem('The calendar is invalid; `errors` names each field.', 'fieldErrors'),
        ...authErrors,
      },
    },
  },
};

const workingHoursPreviewPaths: Record<string, PathItem> = {
  '/tenants/{id}/working-hours/next-working-instant': {
    get: {
      operationId: 'getNextWorkingInstant',
      summary: "When the tenant's working hours next allow work, from a given instant",
      description:
        "Uses the calendar that applies to the tenant (its own or the nearest ancestor's) and the computation that times " +
        'working-hours locks: `at` itself when it lies inside a window on a non-holiday, else the start of the next window; null ' +
        'when none opens within 400 days.',
      tags: ['tenants'],
      parameters: [
        tenantId,
        {
          name: 'at',
          in: 'query',
          description: 'The instant to start from (default: now).',
          schema: { type: 'string', format: 'date-time' },
        },
      ],
      responses: {
        200: answer('The next working instant.', 'NextWorkingInstant', examples.nextWorkingInstant),
        400: problem('`at` is not an ISO 8601 instant.', 'validationFailed'),
        404: problem('No such tenant in your tree, or no calendar applies.', 'notFound'),
        ...authErrors,
      },
    },
  },
};

const workflowPaths: Record<string, PathItem> = {
  '/workflows': {
    get: {
      operationId: 'listWorkflows',
      summary: 'The workflow catalogue of your tenant tree',
      tags: ['workflows'],
      responses: { 200: answer('The catalogue.', 'WorkflowCatalogue', examples.workflowCatalogue), ...authErrors },
    },
    post: {
      operationId: 'createWorkflow',
      summary: 'Add a workflow to the catalogue',
      tags: ['workflows'],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: obj({ name: { type: 'string', maxLength: 200 }, serviceTypeId: { type: 'integer', enum: [1, 2, 3] }, tenantId: str }, [
              'name',
              'serviceTypeId',
            ]),
            example: { name: 'Finance policy', serviceTypeId: 2 },
          },
        },
      },
      responses: {
        ...jsonBodyErrors,
        201: { ...answer('Created.', 'Workflow'), headers: location },
        400: problem('A missing or too long name.', 'validationFailed'),
        404: problem('The tenant is not in your tenant tree.', 'notFound'),
        422: problem('An unknown service type.', 'invalidServiceType'),
        ...authErrors,
      },
    },
  },
};

const accountPaths: Record<string, PathItem> = {
  '/me': {
    get: {
      operationId: 'getCaller',
      summary: 'Who this API key belongs to and which tenants it may target',
      tags: ['account'],
      responses: { 200: answer('The caller.', 'Caller'), ...authErrors },
    },
  },
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'device-orchestrator API',
    version: '1.0.0',
    description:
      'Bulk workflow assignment and temporary device locks for phone and tablet fleets, orchestrated by Temporal. ' +
      'Authenticate with the X-API-Key header. Errors are application/problem+json with a stable `code`.',
    license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
  },
  servers: [{ url: '/v1', description: 'This API, on the host that serves the document.' }],
  tags,
  security: [{ apiKey: [] }],
  paths: {
    ...batchPaths,
    ...devicePaths,
    ...tempLockPaths,
    ...tenantPaths,
    ...workingHoursPreviewPaths,
    ...workflowPaths,
    ...accountPaths,
  },
  components: {
    schemas,
    responses,
    securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key issued to your tenant.' } },
  },
};
