// GET /v1/me: who the API key belongs to, which tenants it may target.
import { Router } from 'express';
import { callerOf } from '../platform/http/auth';

export function meRoutes(): Router {
  const router = Router();
  router.get('/me', (req, res) => {
    const caller = callerOf(req);
    res.json({ tenantId: caller.tenantId, userId: caller.userId, role: caller.role, tenantTree: caller.tenantTree });
  });
  return router;
}
