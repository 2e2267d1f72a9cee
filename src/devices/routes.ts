// /v1/devices/:uid: state, allowed next actions and workflow assignment (readDevice); the timeline; and
// state actions (POST /actions, stateActions); single-device assign (POST) / exit (DELETE) through the same deviceAssign workflow as batches (assignOne),
// answered once per Idempotency-Key; the list of the caller's devices (GET /v1/devices, listCallerDevices).
import { Request, Response, Router } from 'express';
import { isWorkflowVersionId } from '../catalogue/contract';
import { AssignOneRequest, assignOne } from './assignOne';
import { findCallerDevice } from './callerDevice';
import { DeviceListRequest, listCallerDevices, positionOfDeviceCursor } from './deviceList';
import { readDevice, readDeviceHistory } from './readDevice';
import { applyStateAction } from './stateActions';
import { runGatewayStateAction } from './stateActionRun';
import { parseStateAction } from './stateActionInput';
import { DeviceState, DeviceStateName } from './states';
import type { DeviceRecord } from './store';
import { checkDeviceUid } from './uid';
import type { ApiDeps } from '../platform/http/apiDeps';
import { callerOf, requireRole } from '../platform/http/auth';
import { clientChannelOf } from '../platform/http/channel';
import { answerOnce, idempotencyKeyOf } from '../platform/http/idempotency';
import { ProblemError } from '../platform/http/problem';
import { limitOf, nextPageQuery, queryOf } from '../platform/http/queryParameters';

const DEFAULT_LIST_LIMIT = 50;
const MAX_LIST_LIMIT = 200;
const UID_PREFIX = /^[A-Za-z0-9-]{1,32}$/;

export function deviceRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.get('/devices', async (req, res) => {
    const page = await listCallerDevices(deps, callerOf(req), deviceListRequestOf(req));
    const next = page.nextCursor ? `${deps.config.api.publicUrl}/v1/devices?${nextPageQuery(req, page.nextCursor)}` : null;
    res.json({ ...page, links: { next } });
  });

  router.get('/devices/:uid', async (req, res) => {
    res.json(await readDevice(deps, await deviceOf(req)));
  });

  router.get('/devices/:uid/history', async (req, res) => {
    res.json(await readDeviceHistory(deps, await deviceOf(req)));
  });

  router.post('/devices/:uid/actions', requireRole('operator'), async (req, res) => {
    const caller = callerOf(req);
    const device = await deviceOf(req);
    const request = { ...parseStateAction(req.body), channel: clientChannelOf(req), idempotencyKey: idempotencyKeyOf(req) };
    const scope = { tenantId: caller.tenantId, endpoint: 'POST /v1/devices/{uid}/actions', target: `${device.tenantId}/${device.uid}` };
    await answerOnce(deps.pool, req, res, scope, { action: request.action, note: request.note }, async () => ({
      status: 200,
      body:
        request.action === 'LOCK' || request.action === 'UNLOCK'
          ? await runGatewayStateAction(deps, caller, device, request)
          : await applyStateAction(deps.pool, caller, device, request),
    }));
  });

  router.post('/devices/:uid/workflow', requireRole('operator'), async (req, res) => {
    const body = (req.body ?? {}) as { workflowId?: unknown; mode?: unknown };
    const mode = body.mode === undefined ? 'assign' : body.mode;
    if (mode !== 'assign' && mode !== 'register') throw new ProblemError(400, 'VALIDATION_FAILED', 'mode must be assign or register');
    if (!isWorkflowVersionId(body.workflowId)) throw new ProblemError(400, 'VALIDATION_FAILED', 'workflowId must be a 24-character hex id');
    await answerAssignOne(req, res, mode, body.workflowId);
  });

  router.delete('/devices/:uid/workflow', requireRole('operator'), async (req, res) => {
    await answerAssignOne(req, res, 'exit', null);
  });

  /** Runs assignOne, or with an Idempotency-Key answers what the first request with it was answered. */
  async function answerAssignOne(req: Request, res: Response, mode: AssignOneRequest['mode'], workflowVersionId: string | null) {
    const caller = callerOf(req);
    const device = await deviceOf(req);
    const endpoint = `${mode === 'exit' ? 'DELETE' : 'POST'} /v1/devices/{uid}/workflow`;
    const scope = { tenantId: caller.tenantId, endpoint, target: `${device.tenantId}/${device.uid}` };
    const request: AssignOneRequest = { mode, workflowVersionId, idempotencyKey: idempotencyKeyOf(req) };
    await answerOnce(deps.pool, req, res, scope, { mode, workflowVersionId }, async () => ({
      status: 200,
      body: await assignOne(deps, caller, device, request),
    }));
  }

  /** The device named by the path's UID, under the workspace named by ?tenantId (findCallerDevice). */
  async function deviceOf(req: Request): Promise<DeviceRecord> {
    const check = checkDeviceUid(String(req.params.uid));
    if (!check.ok) throw new ProblemError(400, 'INVALID_DEVICE_UID', check.reason);
    return findCallerDevice(deps.pool, callerOf(req), check.uid, queryOf(req).tenantId);
  }

  return router;
}

/** The list's query: every value checked, a 400 naming what to send otherwise. */
function deviceListRequestOf(req: Request): DeviceListRequest {
  const query = queryOf(req);
  const uidPrefix = query.uidPrefix?.trim() || null;
  if (uidPrefix !== null && !UID_PREFIX.test(uidPrefix)) {
    throw new ProblemError(400, 'VALIDATION_FAILED', 'uidPrefix must be 1 to 32 letters, digits or dashes: the start of a UID or IMEI');
  }
  const state = query.state ?? null;
  if (state !== null && !Object.hasOwn(DeviceState, state)) {
    throw new ProblemError(400, 'VALIDATION_FAILED', `state must be one of ${Object.keys(DeviceState).join(', ')}`);
  }
  const workflowId = query.workflowId ?? null;
  if (workflowId !== null && !isWorkflowVersionId(workflowId)) {
    throw new ProblemError(400, 'VALIDATION_FAILED', 'workflowId must be a 24-character hex id of the workflow catalogue');
  }
  return {
    uidPrefix,
    state: state as DeviceStateName | null,
    workflowId,
    tenantId: query.tenantId ?? null,
    after: positionOfDeviceCursor(query.cursor),
    limit: limitOf(query.limit, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT),
  };
}
