// /v1/webhooks (SPEC §9): subscriptions of the caller's tenant to events sent out as Standard Webhooks, and each
// subscription's delivery attempts. Operators write; every role that reads may list.
import { Router } from 'express';
import type { ApiDeps } from '../platform/http/apiDeps';
import { callerOf, requireRole } from '../platform/http/auth';
import { limitOf, queryOf } from '../platform/http/queryParameters';
import { listWebhooks, parseNewWebhook, readWebhook, subscribeWebhook, unsubscribeWebhook, webhookDeliveries } from './subscriptions';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

export function webhookRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.post('/webhooks', requireRole('operator'), async (req, res) => {
    const created = await subscribeWebhook(deps, callerOf(req), parseNewWebhook(req.body));
    res.status(201).location(`/v1/webhooks/${created.id}`).json(created);
  });

  router.get('/webhooks', async (req, res) => {
    res.json({ webhooks: await listWebhooks(deps, callerOf(req)) });
  });

  router.get('/webhooks/:id', async (req, res) => {
    res.json(await readWebhook(deps, callerOf(req), String(req.params.id)));
  });

  router.delete('/webhooks/:id', requireRole('operator'), async (req, res) => {
    await unsubscribeWebhook(deps, callerOf(req), String(req.params.id));
    res.status(204).end();
  });

  router.get('/webhooks/:id/deliveries', async (req, res) => {
    const query = queryOf(req);
    const id = String(req.params.id);
    const page = await webhookDeliveries(deps, callerOf(req), id, {
      cursor: query.cursor,
      limit: limitOf(query.limit, DEFAULT_LIMIT, MAX_LIMIT),
    });
    const next = page.nextCursor ? new URLSearchParams({ ...(query.limit ? { limit: query.limit } : {}), cursor: page.nextCursor }) : null;
    res.json({
      ...page,
      links: { next: next ? `${deps.config.api.publicUrl}/v1/webhooks/${encodeURIComponent(id)}/deliveries?${next}` : null },
    });
  });

  return router;
}
