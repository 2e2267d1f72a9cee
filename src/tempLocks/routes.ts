// Temp-lock API (SPEC §5, §6): assign (overriding the running lock), read status and timeline, cancel, and the
// device's check-in. Each route parses the request, finds the device it names and calls its use case
// (assignLock, readLock, cancelLock, checkIn); assign and cancel are answered once per Idempotency-Key.
import { Request, Router } from 'express';
import { randomUUID } from 'node:crypto';
import { assignTempLock, parseAssignRequest } from './assignLock';
import { cancelTempLock } from './cancelLock';
import { checkIn } from './checkIn';
import { readTempLock } from './readLock';
import type { TargetDevice } from './targetDevice';
import { findCallerDevice } from '../devices/useCases';
import type { ApiDeps } from '../platform/http/apiDeps';
import { callerOf, requireRole } from '../platform/http/auth';
import { answerOnce, idempotencyKeyOf } from '../platform/http/idempotency';
import { queryOf } from '../platform/http/queryParameters';
import { requestIdOf } from '../platform/http/requestId';

export function tempLockRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.put('/devices/:uid/temp-lock', requireRole('operator'), async (req, res) => {
    const caller = callerOf(req);
    const device = await targetDeviceOf(req);
    const request = parseAssignRequest(req.body);
    const scope = { tenantId: caller.tenantId, endpoint: 'PUT /v1/devices/{uid}/temp-lock', target: `${device.tenantId}/${device.uid}` };
    await answerOnce(deps.pool, req, res, scope, request, async () => ({
      status: 202,
      body: await assignTempLock(deps, caller, device, { ...request, idempotencyKey: idempotencyKeyOf(req) }),
    }));
  });

  router.get('/devices/:uid/temp-lock', async (req, res) => {
    res.json(await readTempLock(deps, await targetDeviceOf(req)));
  });

  router.delete('/devices/:uid/temp-lock', requireRole('operator'), async (req, res) => {
    const caller = callerOf(req);
    const device = await targetDeviceOf(req);
    const scope = { tenantId: caller.tenantId, endpoint: 'DELETE /v1/devices/{uid}/temp-lock', target: `${device.tenantId}/${device.uid}` };
    await answerOnce(deps.pool, req, res, scope, {}, async () => ({ status: 202, body: await cancelTempLock(deps, caller, device) }));
  });

  router.post('/devices/:uid/check-in', requireRole('device_gateway'), async (req, res) => {
    const answered = deps.metrics.checkIns.startTimer();
    const device = await targetDeviceOf(req);
    // The request's sanitized id (the one its answer and log lines carry), never the raw header.
    const answer = await checkIn(deps, device, requestIdOf(res) ?? randomUUID());
    answered({ directive: answer.directive });
    res.json(answer);
  });

  /** The device named by the path's UID under ?tenantId= (default: the caller's own tenant). */
  async function targetDeviceOf(req: Request): Promise<TargetDevice> {
    const caller = callerOf(req);
    const tenantId = queryOf(req).tenantId ?? caller.tenantId;
    return findCallerDevice(deps.pool, caller, String(req.params.uid ?? '').trim(), tenantId);
  }

  return router;
}
