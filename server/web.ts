/**
 * The web page at `/`: the static files of `web/` and the two browser builds it loads from node_modules
 * (h5wasm for .h5ad files, apache-arrow for Arrow files). Everything ships with the package; nothing comes
 * from a CDN, so the page works offline. The page calls the API from the same origin.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';
import { projectPath } from '../common/index.js';

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
