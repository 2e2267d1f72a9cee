// /v1/workflows: the assignable workflow catalogue of the caller's tenant tree (MongoDB workflow_versions):
// the list, and a new workflow (addWorkflow).
import { Router } from 'express';
import { addWorkflow } from './addWorkflow';
import { listWorkflows } from './store';
import { isServiceTypeId } from '../devices/contract';
import type { ApiDeps } from '../platform/http/apiDeps';
import { callerOf, requireRole } from '../platform/http/auth';
import { ProblemError } from '../platform/http/problem';

export function workflowRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.get('/workflows', async (req, res) => {
    const caller = callerOf(req);
    res.json({ workflows: await listWorkflows(deps.mongo, caller.tenantTree) });
  });

  router.post('/workflows', requireRole('operator'), async (req, res) => {
    const body = (req.body ?? {}) as { name?: unknown; serviceTypeId?: unknown; tenantId?: unknown };
    if (typeof body.name !== 'string' || body.name.trim() === '' || body.name.length > 200) {
      throw new ProblemError(400, 'VALIDATION_FAILED', 'name must be a non-empty string of at most 200 characters');
    }
    if (!isServiceTypeId(body.serviceTypeId)) throw new ProblemError(422, 'INVALID_SERVICE_TYPE', 'serviceTypeId must be 1, 2 or 3');
    const tenantId = body.tenantId === undefined ? undefined : String(body.tenantId);
    const workflow = await addWorkflow(deps, callerOf(req), { name: body.name.trim(), serviceTypeId: body.serviceTypeId, tenantId });
    res.status(201).location(`/v1/workflows/${workflow.id}`).json(workflow);
  });

  return router;
}
