// GET /v1/batches: the caller's batches across its tenant tree, newest first, filtered by status,
// mode and creation time, in pages linked by an opaque cursor (listCallerBatches).
import { Router } from 'express';
import { listCallerBatches, positionOfCursor } from './batchesPage';
import { AssignmentMode, AssignmentModes, BatchStatus, BatchStatuses, isAssignmentMode } from './modes';
import type { ApiDeps } from '../platform/http/apiDeps';
import { callerOf } from '../platform/http/auth';
import { ProblemError } from '../platform/http/problem';
import { instantOf, limitOf, nextPageQuery, queryOf } from '../platform/http/queryParameters';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

export function batchListRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.get('/batches', async (req, res) => {
    const caller = callerOf(req);
    const query = queryOf(req);
    const status = query.status;
    if (status !== undefined && !(BatchStatuses as readonly string[]).includes(status)) {
      throw new ProblemError(400, 'VALIDATION_FAILED', `status must be one of ${BatchStatuses.join(', ')}`);
    }
    if (query.mode !== undefined && !isAssignmentMode(query.mode)) {
      throw new ProblemError(400, 'VALIDATION_FAILED', `mode must be one of ${AssignmentModes.join(', ')}`);
    }
    const createdFrom = instantOf(query.createdFrom, 'createdFrom');
    const createdTo = instantOf(query.createdTo, 'createdTo');
    if (createdFrom && createdTo && createdFrom >= createdTo) {
      throw new ProblemError(400, 'VALIDATION_FAILED', 'createdFrom must be earlier than createdTo');
    }
    const filter = {
      status: (status as BatchStatus | undefined) ?? null,
      mode: (query.mode as AssignmentMode | undefined) ?? null,
      createdFrom,
      createdTo,
    };
    const after = positionOfCursor(query.cursor);
    const page = await listCallerBatches(deps, caller, filter, after, limitOf(query.limit, DEFAULT_LIMIT, MAX_LIMIT));
    res.json({
      ...page,
      links: { next: page.nextCursor ? `${deps.config.api.publicUrl}/v1/batches?${nextPageQuery(req, page.nextCursor)}` : null },
    });
  });

  return router;
}
