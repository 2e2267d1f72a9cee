// The temporary-lock operations of the OpenAPI document (src/platform/openapi/document.ts): a device's lock
// (assign, read, cancel) and its check-in.
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
import { bool, obj } from '../platform/openapi/schemas';

export const tempLockPaths: Record<string, PathItem> = {
  '/devices/{uid}/temp-lock': {
    put: {
      operationId: 'assignTempLock',
      summary: 'Lock a device temporarily',
      description:
        "The lock starts at the device's next check-in (inside working hours when `workingHours` is true) and lasts " +
        '`durationMinutes`; a lock already running on the device is cancelled (unlocked) first and named in `overriddenActionId`. ' +
        'Lock commands reach the device-control gateway at a bounded rate (GATEWAY_COMMANDS_PER_SECOND, all tenants together): ' +
        'when many locks are assigned at once, a lock stays ACTIVATING until its command has gone out. Unlocks are not held back by them.',
      tags: ['temp-locks'],
      parameters: [deviceUid, tenantQuery, idempotencyKey],
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
        202: answer(
          'Waiting for the check-in (or, with a repeated Idempotency-Key, the answer the first request got; nothing is started again).',
          'TempLockAccepted',
          examples.tempLockAccepted,
        ),
        404: problem('No such device in your tenant tree.', 'notFound'),
        409: problem('The device has no active workflow.', 'deviceHasNoWorkflow'),
        422: problem(
          'An invalid duration, a notification over 16 KB or nested deeper than 32 levels, working hours asked of a tenant without ' +
            'a calendar, or an Idempotency-Key first used for another request.',
          'fieldErrors',
          'jsonTooDeep',
          'idempotencyKeyReused',
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
      parameters: [deviceUid, tenantQuery, idempotencyKey],
      responses: {
        202: answer('Cancelling (or, with a repeated Idempotency-Key, cancelled before).', 'TempLockCancelling'),
        404: problem('No temp lock is running on the device.', 'notFound'),
        422: problem('The Idempotency-Key was first used for another request.', 'idempotencyKeyReused'),
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
        "(also when no lock is running). It is computed from the lock's stored state and never waits for a worker; a " +
        "check-in the lock acts on (the one that activates it, one answered UNLOCK) reaches the lock's workflow as a " +
        "signal with this check-in's time, and a retry carrying the same `X-Request-Id` counts once.",
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
