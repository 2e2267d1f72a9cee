// Serves the operators' portal (built by `npm run build` into config.api.portalDir) at `/` from the
// API's own origin: index.html is never cached (it names the current asset files), the hashed assets
// are cached for a year, and the Content-Security-Policy lets the page load and call only this origin.
// The build writes each script and stylesheet also brotli- and gzip-compressed (portal/vite.config.mts):
// a browser that accepts one gets that file, so nothing is compressed per request.
import express, { NextFunction, Request, Response, Router } from 'express';
import { access } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
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

const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Best first: brotli is smaller, gzip is understood everywhere. */
const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;

export function portalRoutes(portalDir: string): Router {
  const router = Router();
  const assetsDir = join(portalDir, 'assets');

  router.get(['/', '/index.html'], (_req, res, next) => {
    res.set({ 'Cache-Control': 'no-cache', 'Content-Security-Policy': PORTAL_CSP });
    res.sendFile(join(portalDir, 'index.html'), (err) => err && next(notBuilt(portalDir)));
  });

  // Only these paths reach the file system; /v1 requests never look for a file.
  router.get('/assets/*path', (req, res, next) => {
    sendPrecompressed(assetsDir, req, res, next).catch(next);
  });
  router.use(
    '/assets',
    express.static(assetsDir, {
      index: false,
      redirect: false,
      // The file names carry a hash of their content: a changed file is a new name.
      setHeaders: (res) => res.set({ 'Cache-Control': IMMUTABLE, Vary: 'Accept-Encoding' }),
    }),
  );
  router.get('/favicon.svg', (_req, res, next) => {
    res.set('Cache-Control', 'no-cache');
    res.sendFile(join(portalDir, 'favicon.svg'), (err) => err && next(notBuilt(portalDir)));
  });
  return router;
}

/** The asset's compressed twin in the best encoding the browser accepts; otherwise on to the plain file. */
async function sendPrecompressed(assetsDir: string, req: Request, res: Response, next: NextFunction): Promise<void> {
  const relative = normalize(req.path.replace(/^\/assets\//, ''));
  if (relative.startsWith('..') || relative.includes('\0')) return next();
  const accepted = acceptedEncodings(req.get('accept-encoding'));
  for (const encoding of ENCODINGS) {
    if (!accepted.has(encoding.name)) continue;
    const compressed = join(assetsDir, relative + encoding.suffix);
    if (!(await exists(compressed))) continue;
    res.set({ 'Cache-Control': IMMUTABLE, Vary: 'Accept-Encoding', 'Content-Encoding': encoding.name });
    res.type(extname(relative));
    res.sendFile(compressed, (err) => err && next(err));
    return;
  }
  next();
}

/** The encodings an Accept-Encoding header allows (a q=0 entry refuses one). */
function acceptedEncodings(header: string | undefined): Set<string> {
  const accepted = new Set<string>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const refused = params.some((param) => /^\s*q=0(\.0*)?\s*$/.test(param));
    if (name && !refused) accepted.add(name);
  }
  return accepted;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function notBuilt(portalDir: string): ProblemError {
  return new ProblemError(404, 'NOT_FOUND', `the portal is not built in ${portalDir}: run npm run build`);
}
