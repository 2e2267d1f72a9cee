// The /batches operations of the OpenAPI document (src/platform/openapi/document.ts): upload, status, results, events, cancel, retry.
import { AssignmentModes, BatchRowStatuses, BatchStatuses } from './modes';
import { DeviceActions } from '../devices/contract';
import { examples } from '../platform/openapi/examples';
import { PathItem, answer, authErrors, batchId, idempotencyKey, location, problem } from '../platform/openapi/operations';
import { Schema, bool, dateTime, int, obj, oneOf, str } from '../platform/openapi/schemas';
import { batchPausePaths } from './pauseOpenapi';

const uploadOptions: Record<string, Schema> = {
  mode: {
    ...oneOf(AssignmentModes),
    description: 'Required: assign a workflow, register devices (then assign), exit their workflow, or apply a state action (with action).',
  },
  action: {
    ...oneOf(DeviceActions),
    description: 'With mode action (required there): the state action applied to every device, as POST /v1/devices/{uid}/actions does.',
  },
  workflowId: {
    ...str,
    description:
      'The catalogue workflow (24-character hex id); required for mode assign, optional for register (without it devices are only registered: READY_FOR_USE), unused for exit.',
  },
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
      'Stop the batch once more than this many devices have failed: status FAILED, the devices still running and those not started ' +
      'CANCELLED. With a threshold the batch starts 5 devices at once, doubling while within it. Default: no limit.',
  },
  preview: {
    ...bool,
    description:
      'Store the batch and predict each row’s outcome without starting it (201 BatchPreview, status PREVIEW); then startBatch or discardBatchPreview.',
  },
  maxFailurePercent: {
    type: 'number',
    minimum: 0,
    maximum: 100,
    description:
      'Stop the batch once more than this share of its processed devices has failed, judged from 100 processed devices on ' +
      '(as maxFailures: running devices cancelled, a gradual start). Default: no limit.',
  },
  startAt: {
    ...dateTime,
    description:
      'Start no device before this instant (ISO 8601 with its offset; at most a minute in the past): the batch shows SCHEDULED with ' +
      '`nextStartAt` until then. Default: at once.',
  },
  withinWorkingHours: {
    ...bool,
    description:
      "Start devices only inside the target workspace's working hours (the calendar temporary locks use): outside them the batch " +
      'shows WAITING_FOR_WORKING_HOURS with `nextStartAt`; devices already running finish. Default: false (any hour).',
  },
};

export const batchPaths: Record<string, PathItem> = {
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
        200: {
          ...answer('The batch (or preview) an earlier request with this Idempotency-Key stored.', 'UploadAccepted'),
          headers: location,
        },
        201: {
          ...answer('Stored as a preview (preview=true) and predicted; nothing started.', 'BatchPreview', examples.batchPreview),
          headers: location,
        },
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
        {
          name: 'uidPrefix',
          in: 'query',
          description: "Only rows whose device UID starts with this (a whole UID finds that device's row).",
          schema: str,
        },
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
        'once. Send the X-API-Key header: read the stream with fetch (EventSource cannot send headers), so the key stays out of URLs. ' +
        'All streams of a batch share one reader, so watching costs little; still, an API key may hold at most 10 streams open ' +
        '(LIVE_STREAMS_PER_KEY) and an API process 500 (LIVE_STREAMS_PER_PROCESS): beyond, 429 TOO_MANY_STREAMS with Retry-After. ' +
        'A stream can end early with one `error` event whose data is a Problem: UNAUTHENTICATED (the key was revoked; within a ' +
        'second), SERVICE_UNAVAILABLE (the instance is shutting down, or the status could not be read) or STREAM_EXPIRED (nothing ' +
        'changed for 10 minutes, or open for an hour); open it again or poll getBatch.',
      tags: ['batches'],
      parameters: [batchId],
      responses: {
        200: {
          description: 'The event stream.',
          content: { 'text/event-stream': { schema: str, example: examples.batchEvents } },
        },
        404: problem('No such batch in your tenant tree.', 'notFound'),
        ...authErrors,
        429: {
          ...problem(
            'Too many live streams open for this API key or on this API instance, too many requests for this key, or too many failed authentications from this address; wait the Retry-After seconds or poll getBatch.',
            'tooManyStreams',
            'rateLimited',
            'tooManyFailedAuthentications',
          ),
          headers: { 'Retry-After': { description: 'Seconds to wait before the next request.', schema: int } },
        },
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
      parameters: [batchId, idempotencyKey],
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
      parameters: [batchId, idempotencyKey],
      responses: {
        202: answer('Retrying.', 'BatchRetrying'),
        404: problem('No such batch in your tenant tree.', 'notFound'),
        409: problem('The batch is still running, or has no failed device a retry could change.', 'conflict'),
        ...authErrors,
      },
    },
  },
  ...batchPausePaths,
};
