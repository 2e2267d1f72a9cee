// The Express app: security headers, request logs, authentication, the /v1 routes per resource,
// and problem+json errors. Deps are passed in so tests build the same app on their own stores.
import express, { Express } from 'express';
import { createAuthenticator } from './auth';
import { findKeyHolder } from '../../tenants/useCases';
import { documentedQueryOnly } from './documentedQuery';
import { refuseDeepJson } from './jsonDepth';
import type { ApiDeps } from './apiDeps';
import { openApiDocument } from '../openapi/document';
import { assignRequestId, requestIdOf } from './requestId';
import { portalRoutes } from '../../portal/serving';
import { ProblemError, notFoundHandler, problemHandler } from './problem';
import { FailedAuthLimiter, rateLimitPerKey } from './rateLimit';
import { healthRoutes } from './healthRoutes';
import { metricsRoutes } from './metricsRoutes';
import { ApiMetrics, createApiMetrics } from './metrics';
import { meRoutes } from '../../tenants/meRoute';
import { batchListRoutes } from '../../batches/listRoute';
import { batchRoutes } from '../../batches/routes';
import { batchPreviewRoutes } from '../../batches/previewRoutes';
import { batchEventRoutes } from '../../batches/eventsRoute';
import { deviceRoutes } from '../../devices/routes';
import { workflowRoutes } from '../../catalogue/routes';
import { tempLockRoutes } from '../../tempLocks/routes';
import { webhookRoutes } from '../../webhooks/routes';
import { tellWaitingLocksOfCalendarChange } from '../../tempLocks/useCases';
import { tenantRoutes } from '../../tenants/routes';
import { workingHoursPreviewRoutes } from '../../tenants/workingHoursPreviewRoute';

export function createApp(given: Omit<ApiDeps, 'metrics'> & { metrics?: ApiMetrics }): Express {
  const deps: ApiDeps = { ...given, metrics: given.metrics ?? createApiMetrics(given.pool) };
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(assignRequestId);
  app.use((req, res, next) => {
    const requestId = requestIdOf(res);
    res.set({
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
    });
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      deps.log.info({ requestId, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms) }, 'request');
      // By the route's pattern, never the URL (UIDs and batch ids would make a series each).
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      deps.metrics.requests.observe({ method: req.method, route, status: String(res.statusCode) }, ms / 1000);
      if (res.statusCode === 401) deps.metrics.authFailures.inc({ reason: 'unauthenticated' });
    });
    next();
  });
  app.use(deps.drain.gate);

  app.use(healthRoutes(deps));
  app.use(metricsRoutes(deps.metrics));

  app.get('/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  app.use(portalRoutes(deps.config.api.portalDir));

  const v1 = express.Router();
  const { api } = deps.config;
  const failedAuth = new FailedAuthLimiter({
    failuresPerMinute: api.authFailuresPerMinute,
    addressesTracked: api.authCacheSize,
    shapedLookupsPerSecond: api.authShapedLookupsPerSecond,
  });
  v1.use(
    createAuthenticator(
      (keyHash) => findKeyHolder(deps.pool, keyHash),
      { cacheSize: api.authCacheSize, cacheTtlMs: api.authCacheTtlMs },
      failedAuth,
    ).middleware,
  );
  v1.use(rateLimitPerKey({ perSecond: deps.config.api.rateLimitPerSecond, gatewayPerSecond: deps.config.api.gatewayRateLimitPerSecond }));
  v1.use(gatewayKeysOnlyCheckIn);
  v1.use(documentedQueryOnly(openApiDocument.paths));
  v1.use(refuseNonJsonBodies);
  v1.use(express.json({ limit: deps.config.api.jsonBodyLimitBytes, type: ['application/json', 'application/*+json'] }));
  v1.use(refuseDeepJson);
  v1.use(meRoutes());
  v1.use(batchListRoutes(deps));
  v1.use(batchRoutes(deps));
  v1.use(batchPreviewRoutes(deps));
  v1.use(batchEventRoutes(deps));
  v1.use(deviceRoutes(deps));
  v1.use(workflowRoutes(deps));
  v1.use(tempLockRoutes(deps));
  v1.use(webhookRoutes(deps));
  v1.use(tenantRoutes(deps, (tenantId) => tellWaitingLocksOfCalendarChange(deps, tenantId)));
  v1.use(workingHoursPreviewRoutes(deps));
  app.use('/v1', v1);

  app.use(notFoundHandler);
  app.use(problemHandler(deps.log));
  return app;
}

/**
 * A device-gateway key relays check-ins and nothing else: it cannot read batches or devices. It may ask
 * whose key it is (GET /v1/me), so the portal can tell its holder why it cannot sign in.
 */
const gatewayKeysOnlyCheckIn: express.RequestHandler = (req, _res, next) => {
  const allowed = (req.method === 'POST' && /^\/devices\/[^/]+\/check-in$/.test(req.path)) || (req.method === 'GET' && req.path === '/me');
  if (req.caller?.role === 'device_gateway' && !allowed) {
    return next(new ProblemError(403, 'FORBIDDEN', 'a device-gateway API key may only send check-ins (POST /v1/devices/:uid/check-in)'));
  }
  next();
};

/** Bodies are JSON everywhere but the CSV upload; anything else would be silently ignored. */
const refuseNonJsonBodies: express.RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  const isUpload = req.method === 'POST' && req.path === '/batches';
  if (hasBody && !isUpload && !req.is(['application/json', 'application/*+json'])) {
    return next(
      new ProblemError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        `send a JSON body with Content-Type: application/json, not ${req.get('content-type') ?? 'no content type'}`,
      ),
    );
  }
  next();
};
