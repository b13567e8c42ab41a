/**
 * The express application: JSON in and out, validation at the boundary, one error handler, bearer auth on
 * /v1, optional CORS, one log line per request, Prometheus metrics.
 */
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { AtlasError } from '../common/index.js';
import type { AtlasIndexService } from '../search/index.js';
import { BodyDecoder } from './body-decoder.js';
import { createBearerAuth } from './auth.js';
import { createCors } from './cors.js';
import { createErrorHandler, notFoundHandler } from './error-handler.js';
import { createBodyLengthGuard, resolveLimits, type ServerLimits } from './limits.js';
import { createStreamLogger, type Logger } from './log.js';
import { createServerMetrics, type ServerMetrics } from './metrics.js';
import { createOpenApiDocument } from './openapi.js';
import { bodyLimitOf, createQueryRoutes } from './query-routes.js';

/** Options of {@link createApp}. */
export interface AppOptions {
  /** Overrides of the documented limits (body size, cells per request, k). */
  readonly limits?: Partial<ServerLimits>;
  /** When set, every /v1 route requires `Authorization: Bearer <apiKey>`. */
  readonly apiKey?: string;
  /** When set, CORS headers are sent for this origin (or `*`); off otherwise. */
  readonly corsOrigin?: string;
  /** Event log (stderr by default). */
  readonly logger?: Logger;
  /** Metric set; a fresh one (with process defaults) by default. */
  readonly metrics?: ServerMetrics;
}

/** Route patterns and their methods: the only values the `route` metric label takes (plus "unmatched"). */
const ROUTES: Readonly<Record<string, readonly string[]>> = {
  '/healthz': ['GET'],
  '/readyz': ['GET'],
  '/metrics': ['GET'],
  '/openapi.json': ['GET'],
  '/v1/info': ['GET'],
  '/v1/search': ['POST'],
  '/v1/annotate': ['POST'],
};

/** Wraps an async handler; express 5 forwards rejections to the error handler itself. */
function json(fn: (req: Request, res: Response) => Promise<unknown> | unknown): RequestHandler {
  return async (req: Request, res: Response, _next: NextFunction) => {
    res.json(await fn(req, res));
  };
}

/**
 * Creates the express app serving one opened index. The app never closes the service; the caller
 * ({@link startServer}) owns its lifetime.
 */
export function createApp(service: AtlasIndexService, options: AppOptions = {}): Express {
  const limits = resolveLimits(options.limits);
  const logger = options.logger ?? createStreamLogger();
  const metrics = options.metrics ?? createServerMetrics();
  const manifest = service.manifest;
  const decoder = new BodyDecoder(manifest, limits);
  const openapi = createOpenApiDocument(decoder.jsonSchemas, limits, manifest.inputDim);
  for (const p of manifest.prefixes) metrics.indexVectors.set({ prefix: String(p.prefix), level: levelOfPrefix(p.prefix) }, p.vectors);
  if (manifest.original) metrics.indexVectors.set({ prefix: '0', level: 'original' }, manifest.original.vectors);

  function levelOfPrefix(prefix: number): string {
    const names = manifest.levelColumns.filter((c) => manifest.levelPrefix[c] === prefix);
    return names.length > 0 ? names.join('+') : 'none';
  }

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('json spaces', 0);

  // One line per request, and the duration histogram, whatever the outcome.
  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    let done = false;
    const finish = (aborted: boolean) => {
      if (done) return;
      done = true;
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = ROUTES[req.path] !== undefined ? req.path : 'unmatched';
      const status = aborted && !res.writableFinished ? 'aborted' : String(res.statusCode);
      metrics.httpDuration.observe({ method: req.method, route, status }, seconds);
      logger.info('request', {
        method: req.method,
        path: req.path,
        status,
        ms: Math.round(seconds * 1e4) / 10,
        cells: res.locals.cells as number | undefined,
        code: res.locals.errorCode as string | undefined,
      });
    };
    res.on('finish', () => finish(false));
    res.on('close', () => finish(true));
    next();
  });

  app.use(createBodyLengthGuard(bodyLimitOf(limits, manifest.inputDim)));
  if (options.corsOrigin !== undefined) app.use(createCors(options.corsOrigin));

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

  if (options.apiKey !== undefined) app.use('/v1', createBearerAuth(options.apiKey));
  app.use('/v1', (_req, _res, next) => {
    next(service.ready() ? undefined : new AtlasError('not_ready', 'indexes or adapter not loaded yet; retry when GET /readyz answers 200'));
  });

  app.get('/v1/info', json(() => service.info()));

  const routes = createQueryRoutes({ service, limits, metrics, decoder });
  app.post('/v1/search', ...routes.search);
  app.post('/v1/annotate', ...routes.annotate);

  // Known path, wrong method → 405 with Allow; anything else → 404.
  app.use((req, res, next) => {
    const methods = ROUTES[req.path];
    if (methods === undefined) return notFoundHandler(req, res, next);
    res.setHeader('Allow', methods.join(', '));
    next(new AtlasError('method_not_allowed', `${req.method} is not allowed on ${req.path}; use ${methods.join(' or ')}`));
  });

  app.use(createErrorHandler(logger));
  return app;
}
