// The OpenAPI document and the Express routes describe the same API: every /v1 route is documented,
// every documented operation has a route, and a query parameter the document does not offer is refused.
import express from 'express';
import { AddressInfo } from 'node:net';
import { Server } from 'node:http';
import { documentedQueryOnly } from '../../../src/platform/http/documentedQuery';
import { createApp } from '../../../src/platform/http/app';
import { createApiDrain } from '../../../src/platform/http/drain';
import { openApiDocument } from '../../../src/platform/openapi/document';
import { problemHandler } from '../../../src/platform/http/problem';
import { loadConfig } from '../../../src/platform/config';
import { createLogger } from '../../../src/platform/logger';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** "GET /batches/{id}" for every route of the /v1 routers, read from the app's route table. */
function routesOfApp(): string[] {
  // Only the route table is read: no request reaches the stores, so none are connected.
  const app = createApp({
    config: loadConfig({}),
    pool: {} as never,
    mongo: {} as never,
    temporal: {} as never,
    log: createLogger('silent', 'routes-test'),
    drain: createApiDrain(),
  });
  const found: string[] = [];
  const walk = (stack: Layer[], inV1: boolean) => {
    for (const layer of stack) {
      if (layer.route && inV1) {
        for (const method of Object.keys(layer.route.methods)) {
          found.push(`${method.toUpperCase()} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
        }
      }
      // The /v1 router is the only router with routers inside; the /v1 routes live in those.
      if (layer.handle?.stack) walk(layer.handle.stack, inV1 || layer.handle.stack.some((l) => l.handle?.stack));
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, false);
  return found.sort();
}

function documentedOperations(): string[] {
  return Object.entries(openApiDocument.paths)
    .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

describe('OpenAPI document and routes', () => {
  it('document every /v1 route, and nothing more', () => {
    expect(routesOfApp()).toEqual(documentedOperations());
  });

  describe('query parameters', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      const app = express();
      app.use('/v1', documentedQueryOnly(openApiDocument.paths), (req, res) => {
        res.json({ reached: `${req.method} ${req.path}` });
      });
      app.use(problemHandler(createLogger('silent', 'routes-test')));
      server = await new Promise<Server>((resolve) => {
        const s = app.listen(0, '127.0.0.1', () => resolve(s));
      });
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    const operations = Object.entries(openApiDocument.paths).flatMap(([template, ops]) =>
      Object.entries(ops as Record<string, { parameters?: readonly { name: string; in: string }[] }>).map(([method, op]) => ({
        method: method.toUpperCase(),
        path: template.replace(/\{[^}]+\}/g, '353456789012348'),
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      })),
    );

    it.each(operations)('$method $path refuses an undocumented parameter and passes the documented ones', async (op) => {
      const refused = await fetch(`${base}${op.path}?tenantld=typo`, { method: op.method });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { detail: string }).detail).toContain('unknown query parameter tenantld');
      const documented = new URLSearchParams(op.query.map((name): [string, string] => [name, 'x']));
      const passed = await fetch(`${base}${op.path}?${documented}`, { method: op.method });
      expect(passed.status).toBe(200);
    });
  });
});
