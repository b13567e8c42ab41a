/**
 * The express application: JSON in and out, validation at the boundary, one error handler, bearer auth on
 * /v1, optional CORS, one log line per request, Prometheus metrics.
 */
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { AtlasError } from '../common/index.js';
import { createRequestSchemas, type AnnotateTimings, type AtlasIndexService, type ExpressionLimits } from '../search/index.js';
import { shortLevelName } from '../ontology/index.js';
import { createBearerAuth } from './auth.js';
import { createCors } from './cors.js';
import { createErrorHandler, notFoundHandler } from './error-handler.js';
import { resolveLimits, type ServerLimits } from './limits.js';
import { createStreamLogger, type Logger } from './log.js';
import { createServerMetrics, type ServerMetrics } from './metrics.js';
import { createOpenApiDocument } from './openapi.js';
import { DEFAULT_MIN_GENE_OVERLAP } from '../adapter/index.js';
import { ARROW_MEDIA_TYPES, arrowRequestBody } from './arrow-body.js';

/** What expression queries need from the service, checked once: an overlap the encoder can meet at all. */
function expressionLimits(service: AtlasIndexService, minGeneOverlap: number): ExpressionLimits {
  const model = service.expression ?? null;
  if (!Number.isSafeInteger(minGeneOverlap) || minGeneOverlap < 1) throw new AtlasError('invalid_argument', `min gene overlap must be a positive integer, got ${minGeneOverlap}`);
  if (model && minGeneOverlap > model.numGenes) {
    throw new AtlasError('invalid_argument', `min gene overlap ${minGeneOverlap} exceeds the encoder's ${model.numGenes} genes: no query could pass; lower --min-gene-overlap`);
  }
  return { model, minGeneOverlap, builtWith: service.manifest.encoder?.file ?? null };
}

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
  /** Fewest encoder genes an expression query must have (default 10,000 like SCimilarity). */
  readonly minGeneOverlap?: number;
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

/** Rejects POST bodies that are not JSON before any byte is parsed. */
const requireJson: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
  if (!hasBody) return next(new AtlasError('invalid_request', 'request body is required (a JSON object)'));
  if (!req.is('application/json') && !req.is([...ARROW_MEDIA_TYPES])) {
    const got = req.headers['content-type'] ?? 'none';
    return next(new AtlasError('unsupported_media_type', `request body must be application/json (or ${ARROW_MEDIA_TYPES[0]} with expression counts), got Content-Type ${got}`));
  }
  next();
};

/** An Arrow body (read raw by express.raw) becomes the JSON body it stands for; JSON bodies pass. */
const arrowToJson: RequestHandler = (req, _res, next) => {
  if (!Buffer.isBuffer(req.body)) return next();
  req.body = arrowRequestBody(req.body, req.query as Record<string, unknown>);
  next();
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
  const requests = createRequestSchemas(manifest, limits, expressionLimits(service, options.minGeneOverlap ?? DEFAULT_MIN_GENE_OVERLAP));
  const openapi = createOpenApiDocument(requests, limits);
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

  const parseJson = express.json({ limit: limits.maxBodyBytes, strict: true, type: 'application/json' });
  const parseArrow = express.raw({ limit: limits.maxBodyBytes, type: [...ARROW_MEDIA_TYPES] });

  app.get('/v1/info', json(() => service.info()));

  app.post(
    '/v1/search',
    requireJson,
    parseJson,
    parseArrow,
    arrowToJson,
    json(async (req, res) => {
      const query = requests.parseSearch(req.body);
      res.locals.cells = query.n;
      const result = await service.search(query);
      const level = result.level !== null ? shortLevelName(result.level) : result.prefix === 0 ? 'original' : `prefix${result.prefix}`;
      metrics.searchDuration.observe({ level }, result.timings.searchMs / 1000);
      metrics.cellsSearched.inc({ level }, query.n);
      if (query.embeddings || query.expression) metrics.adapterDuration.observe(result.timings.adapterMs / 1000);
      return query.expressionReport ? { ...result, gene_match: query.expressionReport } : result;
    }),
  );

  app.post(
    '/v1/annotate',
    requireJson,
    parseJson,
    parseArrow,
    arrowToJson,
    async (req, res) => {
      const query = requests.parseAnnotate(req.body);
      res.locals.cells = query.n;
      // Prefer the service's pre-serialised answer: 10,000 cells are ~10⁶ objects that the main thread would
      // otherwise build and stringify while /healthz waits.
      let timings: AnnotateTimings;
      if (service.annotateJson) {
        const result = await service.annotateJson(query);
        timings = result.timings;
        const json = query.expressionReport ? `${result.json.slice(0, -1)},"gene_match":${JSON.stringify(query.expressionReport)}}` : result.json;
        res.type('application/json').send(json);
      } else {
        const result = await service.annotate(query);
        timings = result.timings;
        res.json(query.expressionReport ? { ...result, gene_match: query.expressionReport } : result);
      }
      metrics.cellsAnnotated.inc(query.n);
      metrics.adapterDuration.observe(timings.adapterMs / 1000);
      metrics.annotateDuration.observe(timings.totalMs / 1000);
    },
  );

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
