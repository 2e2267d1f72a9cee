// Serves the operators' portal (built by `npm run build` into config.api.portalDir) at `/` from the
// API's own origin: index.html is never cached (it names the current asset files), the hashed assets
// are cached for a year, and the Content-Security-Policy lets the page load and call only this origin.
import express, { Router } from 'express';
import { join } from 'node:path';
import { ProblemError } from '../platform/http/problem';

const PORTAL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function portalRoutes(portalDir: string): Router {
  const router = Router();

  router.get(['/', '/index.html'], (_req, res, next) => {
    res.set({ 'Cache-Control': 'no-cache', 'Content-Security-Policy': PORTAL_CSP });
    res.sendFile(join(portalDir, 'index.html'), (err) => err && next(notBuilt(portalDir)));
  });

  // Only these paths reach the file system; /v1 requests never look for a file.
  router.use(
    '/assets',
    express.static(join(portalDir, 'assets'), {
      index: false,
      redirect: false,
      // The file names carry a hash of their content: a changed file is a new name.
      setHeaders: (res) => res.setHeader('Cache-Control', 'public, max-age=31536000, immutable'),
    }),
  );
  router.get('/favicon.svg', (_req, res, next) => {
    res.set('Cache-Control', 'no-cache');
    res.sendFile(join(portalDir, 'favicon.svg'), (err) => err && next(notBuilt(portalDir)));
  });
  return router;
}

function notBuilt(portalDir: string): ProblemError {
  return new ProblemError(404, 'NOT_FOUND', `the portal is not built in ${portalDir}: run npm run build`);
}
