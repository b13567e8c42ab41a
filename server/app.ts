/**
 * The express application: JSON in and out, validation at the boundary, one error handler, bearer auth on
 * /v1, optional CORS, one log line per request, Prometheus metrics.
 */
import express, { type Express } from 'express';
import { AtlasError } from '../common/index.js';
import type { IndexManifest } from '../index-files/index.js';
import { DEFAULT_MIN_GENE_OVERLAP } from '../adapter/index.js';
import type { AtlasIndexService, ExpressionLimits } from '../search/index.js';
import { BodyDecoder } from './body-decoder.js';
import { createBearerAuth } from './auth.js';
import { createCors } from './cors.js';
import { createErrorHandler } from './error-handler.js';
import { createBodyLengthGuard, resolveLimits, type ServerLimits } from './limits.js';
import { createStreamLogger, type Logger } from './log.js';
import { createServerMetrics, type ServerMetrics } from './metrics.js';
import { createOpenApiDocument } from './openapi.js';
import { addQueryRoutes, bodyLimitOf } from './query-routes.js';
import { createRequestLog } from './request-log.js';
import { addProbeRoutes, methodNotAllowed } from './routes.js';
import { addMapRoute, createWebRouter } from './web.js';

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
  /** The index's map.bin, served by GET /v1/map; 404 map_not_built without it. */
  readonly referenceMap?: Uint8Array | null;
  /** Serve the web page at `/` (default true). */
  readonly web?: boolean;
  /** Fewest encoder genes an expression query must have (default 10,000 like SCimilarity). */
  readonly minGeneOverlap?: number;
}

/** What expression queries need from the service, checked once: an overlap the encoder can meet at all. */
function expressionLimits(service: AtlasIndexService, minGeneOverlap: number): ExpressionLimits {
  const model = service.expression ?? null;
  if (!Number.isSafeInteger(minGeneOverlap) || minGeneOverlap < 1) throw new AtlasError('invalid_argument', `min gene overlap must be a positive integer, got ${minGeneOverlap}`);
  if (model && minGeneOverlap > model.numGenes) {
    throw new AtlasError('invalid_argument', `min gene overlap ${minGeneOverlap} exceeds the encoder's ${model.numGenes} genes: no query could pass; lower --min-gene-overlap`);
  }
  return { model, minGeneOverlap, builtWith: service.manifest.encoder?.file ?? null };
}

/**
 * Creates the express app serving one opened index. The app never closes the service; the caller
 * ({@link startServer}) owns its lifetime.
 */
export function createApp(service: AtlasIndexService, options: AppOptions = {}): Express {
  const limits = resolveLimits(options.limits);
  const logger = options.logger ?? createStreamLogger();
  const metrics = options.metrics ?? createServerMetrics();
  const decoder = new BodyDecoder(service.manifest, limits, expressionLimits(service, options.minGeneOverlap ?? DEFAULT_MIN_GENE_OVERLAP));
  recordIndexSize(metrics, service.manifest);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('json spaces', 0);
  app.use(createRequestLog(logger, metrics));
  app.use(createBodyLengthGuard(bodyLimitOf(limits, service.manifest.inputDim)));
  if (options.corsOrigin !== undefined) app.use(createCors(options.corsOrigin));
  addProbeRoutes(app, service, metrics, createOpenApiDocument(decoder.jsonSchemas, limits, service.manifest.inputDim));
  if (options.web !== false) app.use(createWebRouter());
  if (options.apiKey !== undefined) app.use('/v1', createBearerAuth(options.apiKey));
  app.use('/v1', (_req, _res, next) => {
    next(service.ready() ? undefined : new AtlasError('not_ready', 'indexes or adapter not loaded yet; retry when GET /readyz answers 200'));
  });
  addMapRoute(app, options.referenceMap ?? null);
  addQueryRoutes(app, { service, limits, metrics, decoder });
  app.use(methodNotAllowed);
  app.use(createErrorHandler(logger));
  return app;
}

/** The index_vectors gauge: vectors per prefix, labelled with the levels the prefix serves. */
function recordIndexSize(metrics: ServerMetrics, manifest: IndexManifest): void {
  const levelOfPrefix = (prefix: number) => {
    const names = manifest.levelColumns.filter((c) => manifest.levelPrefix[c] === prefix);
    return names.length > 0 ? names.join('+') : 'none';
  };
  for (const p of manifest.prefixes) metrics.indexVectors.set({ prefix: String(p.prefix), level: levelOfPrefix(p.prefix) }, p.vectors);
  if (manifest.original) metrics.indexVectors.set({ prefix: '0', level: 'original' }, manifest.original.vectors);
}
