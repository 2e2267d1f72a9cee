// The /devices operations of the OpenAPI document (src/platform/openapi/document.ts): a device, its history and its
// catalogue workflow (assign, exit); state actions; the list of devices.
import { examples } from '../platform/openapi/examples';
import {
  PathItem,
  answer,
  authErrors,
  deviceUid,
  idempotencyKey,
  jsonBodyErrors,
  problem,
  tenantQuery,
} from '../platform/openapi/operations';
import { obj, oneOf, str } from '../platform/openapi/schemas';
import { DeviceActions } from './lifecycle';
import { DeviceState } from './states';

const clientChannel = {
  name: 'X-Client-Channel',
  in: 'header',
  description: 'PORTAL when the operators’ portal sends the request (recorded as the history row’s channel); API otherwise.',
  schema: oneOf(['API', 'PORTAL']),
};

export const devicePaths: Record<string, PathItem> = {
  '/devices': {
    get: {
      operationId: 'listDevices',
      summary: "Your tenant tree's devices, in UID order",
      description:
        'Search by the start of a UID or second IMEI (`uidPrefix`), filter by state and by catalogue workflow; filters ' +
        'combine. Pass `nextCursor` as `cursor` (or follow `links.next`) for the next page; it is null on the last.',
      tags: ['devices'],
      parameters: [
        {
          name: 'uidPrefix',
          in: 'query',
          description: 'Only devices whose UID or second IMEI starts with this (1–32 letters, digits or dashes).',
          schema: { type: 'string', pattern: '^[A-Za-z0-9-]{1,32}$' },
        },
        { name: 'state', in: 'query', description: 'Only devices in this state.', schema: oneOf(Object.keys(DeviceState)) },
        {
          name: 'workflowId',
          in: 'query',
          description: 'Only devices that have this catalogue workflow (GET /v1/workflows).',
          schema: { type: 'string', pattern: '^[0-9a-fA-F]{24}$' },
        },
        { ...tenantQuery, description: 'Only this workspace of your tenant tree and the workspaces below it (default: your whole tree).' },
        { name: 'cursor', in: 'query', description: 'The `nextCursor` of the previous page.', schema: str },
        {
          name: 'limit',
          in: 'query',
          description: 'Devices per page.',
          schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
        },
      ],
      responses: {
        200: answer('One page.', 'DeviceList', examples.deviceList),
        400: problem('A bad search, filter, limit or cursor, or an unknown parameter.', 'validationFailed'),
        404: problem('No such tenant in your tree.', 'notFound'),
        ...authErrors,
      },
    },
  },
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
  '/devices/{uid}/actions': {
    post: {
      operationId: 'applyDeviceAction',
      summary: 'Apply a state action to one device',
      description:
        "Moves the device through the lifecycle's transition table (REGISTER IDLE→READY_FOR_USE, ACTIVATE READY_FOR_USE→ACTIVE, " +
        'LOCK READY_FOR_USE|ACTIVE→LOCKED, UNLOCK back to the state LOCK left, ENROLL IDLE→ENROLLED, RELEASE any→RELEASED) and ' +
        "records it in the device's history with your key, the channel and the note, in one transaction. LOCK and UNLOCK are " +
        'refused while a temp lock runs on the device, and are sent to the device through the gateway once the state is written ' +
        '(a workflow per action, retried until the gateway takes it; `gatewayCommand` links it). The portal sends ' +
        '`X-Client-Channel: PORTAL`.',
      tags: ['devices'],
      parameters: [deviceUid, tenantQuery, idempotencyKey, clientChannel],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: obj({ action: oneOf(DeviceActions), note: { ...str, maxLength: 1000 } }, ['action']),
            example: { action: 'ACTIVATE', note: 'handed to the customer in store 12' },
          },
        },
      },
      responses: {
        ...jsonBodyErrors,
        200: answer('Applied (or, with a repeated Idempotency-Key, applied before).', 'DeviceActionResult', examples.deviceAction),
        400: problem('An unknown action, a note that is not text, or a malformed device UID.', 'validationFailed', 'invalidDeviceUid'),
        404: problem('No such device in your tenant tree.', 'notFound'),
        409: problem(
          'The action is not allowed from the device’s state (the problem lists allowedActions), or a temp lock runs on the device.',
          'invalidTransition',
          'tempLockRunning',
        ),
        422: problem('The Idempotency-Key was first used for another request.', 'idempotencyKeyReused'),
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
          'The workflow is not an active workflow of your catalogue, the Idempotency-Key was first used for another request, or the body nests deeper than 32 levels.',
          'workflowNotFound',
          'idempotencyKeyReused',
          'jsonTooDeep',
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
