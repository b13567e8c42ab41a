/**
 * The web page at `/`: the static files of `web/` and the two browser builds it loads from node_modules
 * (h5wasm for .h5ad files, apache-arrow for Arrow files). Everything ships with the package; nothing comes
 * from a CDN, so the page works offline. The page calls the API from the same origin.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express, type Router } from 'express';
import { AtlasError, projectPath } from '../common/index.js';

/** Folder of the page's files. */
export const WEB_DIR = projectPath('web');

/**
 * Same-origin only; wasm compilation for h5wasm; no inline script or style attributes (the page sets
 * styles through the CSSOM, which CSP allows).
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

function packageDir(specifier: string): string {
  return dirname(fileURLToPath(import.meta.resolve(specifier)));
}

/** Routes of the page and its vendored browser builds. */
export function createWebRouter(): Router {
  const router = express.Router();
  const options = { index: 'index.html', fallthrough: true, etag: true, maxAge: 0 } as const;
  router.use((req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      res.setHeader('X-Content-Type-Options', 'nosniff');
    }
    next();
  });
  router.use('/vendor/h5wasm', express.static(packageDir('h5wasm'), options));
  const arrow = join(packageDir('apache-arrow'), 'Arrow.es2015.min.js');
  router.get('/vendor/apache-arrow/Arrow.es2015.min.js', (_req, res) => res.sendFile(arrow));
  router.use(express.static(WEB_DIR, options));
  return router;
}

/** GET /v1/map: the index's map.bin as it is (behind the same auth and readiness guard as every /v1 route). */
export function addMapRoute(app: Express, referenceMap: Uint8Array | null): void {
  const bytes = referenceMap ? Buffer.from(referenceMap.buffer, referenceMap.byteOffset, referenceMap.byteLength) : null;
  app.get('/v1/map', (_req, res, next) => {
    if (!bytes) return next(new AtlasError('map_not_built', 'this index has no reference map (built with --no-map); add one with `fractal-atlas map --index DIR`'));
    res.type('application/octet-stream').send(bytes);
  });
}
