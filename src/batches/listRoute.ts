// GET /v1/batches: the caller's batches across its tenant tree, newest first, filtered by status,
// mode and creation time, in pages linked by an opaque cursor.
import { Request, Router } from 'express';
import { BatchListPosition, listBatches } from './listingStore';
import { AssignmentModes, BatchStatuses, isAssignmentMode } from './modes';
import type { ApiDeps } from '../platform/http/apiDeps';
import { callerOf } from '../platform/http/auth';
import { batchSummary } from './runs';
import { ProblemError } from '../platform/http/problem';
import { instantOf, limitOf, queryOf } from '../platform/http/queryParameters';

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
    const page = await listBatches(
      deps.pool,
      {
        tenantIds: caller.tenantTree,
        status: (status as (typeof BatchStatuses)[number] | undefined) ?? null,
        mode: (query.mode as (typeof AssignmentModes)[number] | undefined) ?? null,
        createdFrom,
        createdTo,
      },
      positionOf(query.cursor),
      limitOf(query.limit, DEFAULT_LIMIT, MAX_LIMIT),
    );
    const nextCursor = page.next ? cursorOf(page.next) : null;
    res.json({
      batches: page.batches.map((batch) => batchSummary(deps.config, batch)),
      nextCursor,
      links: { next: nextCursor ? `${deps.config.api.publicUrl}/v1/batches?${nextQuery(req, nextCursor)}` : null },
    });
  });

  return router;
}

function cursorOf(position: BatchListPosition): string {
  return Buffer.from(`${position.createdMicros}.${position.id}`).toString('base64url');
}

function positionOf(cursor: string | undefined): BatchListPosition | null {
  if (cursor === undefined) return null;
  const match = /^(\d{1,18})\.([0-9a-f-]{36})$/i.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new ProblemError(400, 'VALIDATION_FAILED', 'cursor must be a value from nextCursor');
  return { createdMicros: match[1]!, id: match[2]! };
}

function nextQuery(req: Request, cursor: string): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(req.query)) if (typeof value === 'string' && name !== 'cursor') params.set(name, value);
  params.set('cursor', cursor);
  return params.toString();
}
