/** The routes of the API and the handlers that are not about queries: probes, metrics, OpenAPI, 405/404. */
import type { Express, RequestHandler } from 'express';
import { AtlasError } from '../common/index.js';
import type { AtlasIndexService } from '../search/index.js';
import { notFoundHandler } from './error-handler.js';
import type { ServerMetrics } from './metrics.js';

/** Route patterns and their methods: the only values the `route` metric label takes (plus "unmatched"). */
export const ROUTES: Readonly<Record<string, readonly string[]>> = {
  '/healthz': ['GET'],
  '/readyz': ['GET'],
  '/metrics': ['GET'],
  '/openapi.json': ['GET'],
  '/v1/info': ['GET'],
  '/v1/map': ['GET'],
  '/v1/search': ['POST'],
  '/v1/annotate': ['POST'],
};

/** GET /healthz, /readyz, /metrics and /openapi.json: open, for probes and scrapers. */
export function addProbeRoutes(app: Express, service: AtlasIndexService, metrics: ServerMetrics, openapi: unknown): void {
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res, next) => {
    if (!service.ready()) return next(new AtlasError('not_ready', 'indexes or adapter not loaded yet'));
    res.json({ status: 'ready' });
  });
  app.get('/metrics', async (_req, res) => {
    const text = await metrics.registry.metrics();
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(text);
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
}

/** Known path, wrong method → 405 with Allow; anything else → 404. */
export const methodNotAllowed: RequestHandler = (req, res, next) => {
  const methods = ROUTES[req.path];
  if (methods === undefined) return notFoundHandler(req, res, next);
  res.setHeader('Allow', methods.join(', '));
  next(new AtlasError('method_not_allowed', `${req.method} is not allowed on ${req.path}; use ${methods.join(' or ')}`));
};
