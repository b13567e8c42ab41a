import type { RequestHandler } from 'express';

/**
 * Minimal CORS for one configured origin (or `*`). Off unless the operator asks: without it browsers on other
 * origins cannot read responses at all. Preflights are answered here, before auth, as browsers send them
 * without credentials.
 */
export function createCors(origin: string): RequestHandler {
  const any = origin === '*';
  return (req, res, next) => {
    const reqOrigin = req.headers.origin;
    if (reqOrigin !== undefined && (any || reqOrigin === origin)) {
      res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
      if (!any) res.append('Vary', 'Origin');
      if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
        res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization');
        res.setHeader('Access-Control-Max-Age', '600');
        res.status(204).end();
        return;
      }
    }
    next();
  };
}
