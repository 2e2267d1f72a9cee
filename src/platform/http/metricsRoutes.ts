// GET /metrics: the API's Prometheus metrics (src/platform/http/metrics.ts), for the scraper on the operators' network; no
// key (Prometheus sends none) and nothing in it names a tenant, a device or a batch.
import { Router } from 'express';
import type { ApiMetrics } from './metrics';

export function metricsRoutes(metrics: ApiMetrics): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const text = await metrics.registry.metrics();
    res.type(metrics.registry.contentType).send(text);
  });
  return router;
}
