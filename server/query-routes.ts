/** The /v1 routes: info, search and annotate, each body through the request schema, then the service. */
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { AtlasError, clipText, shortLevelName } from '../common/index.js';
import type { AnnotateTimings, AtlasIndexService, RequestSchemas } from '../search/index.js';
import { ARROW_MEDIA_TYPES, arrowRequestBody } from './arrow-body.js';
import { checkResultSize, type ServerLimits } from './limits.js';
import type { ServerMetrics } from './metrics.js';
import { sendJsonParts } from './send-parts.js';

/** Rejects POST bodies that are not JSON before any byte is parsed. */
const requireJson: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
  if (!hasBody) return next(new AtlasError('invalid_request', 'request body is required (a JSON object)'));
  if (!req.is('application/json') && !req.is([...ARROW_MEDIA_TYPES])) {
    const got = clipText(req.headers['content-type'] ?? 'none');
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

/** A serialised answer with the expression query's gene-match report as its last field. */
function withGeneMatch(parts: readonly string[], report: unknown): readonly string[] {
  if (report === undefined) return parts;
  const last = parts[parts.length - 1]!;
  return [...parts.slice(0, -1), `${last.slice(0, -1)},"gene_match":${JSON.stringify(report)}}`];
}

/** Wraps an async handler; express 5 forwards rejections to the error handler itself. */
function json(fn: (req: Request, res: Response) => Promise<unknown> | unknown): RequestHandler {
  return async (req: Request, res: Response, _next: NextFunction) => {
    res.json(await fn(req, res));
  };
}

/** Adds GET /v1/info, POST /v1/search and POST /v1/annotate. */
export function addQueryRoutes(app: Express, service: AtlasIndexService, requests: RequestSchemas, limits: ServerLimits, metrics: ServerMetrics): void {
  const parseJson = express.json({ limit: limits.maxBodyBytes, strict: true, type: 'application/json' });
  const parseArrow = express.raw({ limit: limits.maxBodyBytes, type: [...ARROW_MEDIA_TYPES] });
  const parseBody = [requireJson, parseJson, parseArrow, arrowToJson];

  app.get('/v1/info', json(() => service.info()));

  app.post(
    '/v1/search',
    ...parseBody,
    async (req, res) => {
      const query = requests.parseSearch(req.body);
      res.locals.cells = query.n;
      checkResultSize(query, limits);
      // As annotate: serialised in the workers and written piece by piece when the service can.
      const result = service.searchJson ? await service.searchJson(query) : await service.search(query);
      const level = result.level !== null ? shortLevelName(result.level) : result.prefix === 0 ? 'original' : `prefix${result.prefix}`;
      metrics.searchDuration.observe({ level }, result.timings.searchMs / 1000);
      metrics.cellsSearched.inc({ level }, query.n);
      if (query.embeddings || query.expression) metrics.adapterDuration.observe(result.timings.adapterMs / 1000);
      if ('parts' in result) await sendJsonParts(res, withGeneMatch(result.parts, query.expressionReport));
      else res.json(query.expressionReport ? { ...result, gene_match: query.expressionReport } : result);
    },
  );

  app.post('/v1/annotate', ...parseBody, async (req, res) => {
    const query = requests.parseAnnotate(req.body);
    res.locals.cells = query.n;
    // Prefer the service's pre-serialised answer: 10,000 cells are ~10⁶ objects that the main thread would
    // otherwise build and stringify while /healthz waits.
    let timings: AnnotateTimings;
    if (service.annotateJson) {
      const result = await service.annotateJson(query);
      timings = result.timings;
      await sendJsonParts(res, withGeneMatch(result.parts, query.expressionReport));
    } else {
      const result = await service.annotate(query);
      timings = result.timings;
      res.json(query.expressionReport ? { ...result, gene_match: query.expressionReport } : result);
    }
    metrics.cellsAnnotated.inc(query.n);
    metrics.adapterDuration.observe(timings.adapterMs / 1000);
    metrics.annotateDuration.observe(timings.totalMs / 1000);
  });
}
