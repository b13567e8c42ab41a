/**
 * POST /v1/search and /v1/annotate: a JSON or Arrow IPC body in, a JSON or Arrow IPC answer out (by Accept).
 * Bodies are read raw and decoded by the {@link BodyDecoder} (off the main thread when big); annotate answers
 * in Arrow are built batch by batch (annotate-batches.ts), so neither a 10,000-cell JSON body nor a
 * 100,000-cell Arrow body holds the event loop.
 */
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { RecordBatchStreamWriter, tableToIPC, type Table } from 'apache-arrow';
import { AtlasError, clipText, shortLevelName } from '../common/index.js';
import { ARROW_STREAM_TYPE, annotateBatches, createAnnotationTableBuilder, searchTable, sliceUtf8, sumTimings, type AnnotateQuery, type AnnotateTimings, type AtlasIndexService, type TableMetadata, type Utf8Column } from '../search/index.js';
import type { BodyDecoder } from './body-decoder.js';
import { arrowBodyBytes, checkResultSize, type ServerLimits } from './limits.js';
import type { ServerMetrics } from './metrics.js';
import type { BodyRoute, DecodedRequest } from './request-decode.js';
import { sendJsonParts } from './send-parts.js';

const JSON_TYPE = 'application/json';

/** True when the request body is an Arrow IPC stream. */
export function isArrowBody(req: Request): boolean {
  return typeof req.headers['content-type'] === 'string' && req.is(ARROW_STREAM_TYPE) !== false && req.is(ARROW_STREAM_TYPE) !== null;
}

/** True when the client asks for an Arrow answer (Accept prefers it over JSON). */
export function wantsArrow(req: Request): boolean {
  return req.headers.accept !== undefined && req.accepts([JSON_TYPE, ARROW_STREAM_TYPE]) === ARROW_STREAM_TYPE;
}

/** The body limit of a request: the JSON limit, or the Arrow limit derived from maxArrowCells. */
export function bodyLimitOf(limits: ServerLimits, inputDim: number): (req: Request) => number {
  const arrow = arrowBodyBytes(limits, inputDim);
  return (req) => (isArrowBody(req) ? arrow : limits.maxBodyBytes);
}

/** Rejects POST bodies that are neither JSON nor Arrow before any byte is read. */
const requireBody: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
  if (!hasBody) return next(new AtlasError('invalid_request', `request body is required (a JSON object, or an Arrow IPC stream as ${ARROW_STREAM_TYPE})`));
  if (!req.is(JSON_TYPE) && !isArrowBody(req)) {
    const got = clipText(req.headers['content-type'] ?? 'none');
    return next(new AtlasError('unsupported_media_type', `request body must be ${JSON_TYPE} or ${ARROW_STREAM_TYPE}, got Content-Type ${got}`));
  }
  next();
};

/** A serialised answer with the expression query's gene-match report as its last field. */
function withGeneMatch(parts: readonly string[], report: unknown): readonly string[] {
  if (report === undefined) return parts;
  const last = parts[parts.length - 1]!;
  return [...parts.slice(0, -1), `${last.slice(0, -1)},"gene_match":${JSON.stringify(report)}}`];
}

function sendArrow(res: Response, table: Table): void {
  const bytes = tableToIPC(table, 'stream');
  res.type(ARROW_STREAM_TYPE).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/**
 * Streams an annotate answer as an Arrow IPC stream, one record batch per annotated batch, written as each
 * finishes: memory and main-thread work per step stay at one batch whatever the number of cells. The status
 * line goes out with the first batch, so a failure before it is still a JSON error; one after it cuts the
 * connection (the error handler), which an Arrow reader reports as a truncated stream.
 */
async function streamAnnotation(res: Response, service: AtlasIndexService, query: AnnotateQuery, ids: Utf8Column | undefined, metadata: TableMetadata): Promise<AnnotateTimings> {
  const t0 = performance.now();
  const build = createAnnotationTableBuilder(service.manifest);
  const timings: AnnotateTimings[] = [];
  let writer: RecordBatchStreamWriter | null = null;
  let sent: Promise<void> | null = null;
  try {
    for await (const b of annotateBatches(service, query)) {
      const table = build(b.columns, ids && sliceUtf8(ids, b.start, b.start + b.columns.n), metadata);
      if (writer === null) {
        writer = new RecordBatchStreamWriter();
        res.type(ARROW_STREAM_TYPE);
        sent = pipeline(writer.toNodeStream(), res);
      }
      for (const batch of table.batches) writer.write(batch);
      timings.push(b.timings);
    }
  } catch (err) {
    writer?.abort(err);
    await sent?.catch(() => undefined);
    throw err;
  }
  writer!.close();
  await sent;
  return sumTimings(timings, t0);
}

/** Options of {@link createQueryRoutes}. */
export interface QueryRouteOptions {
  readonly service: AtlasIndexService;
  readonly limits: ServerLimits;
  readonly metrics: ServerMetrics;
  readonly decoder: BodyDecoder;
}

/** Wraps an async handler; express 5 forwards rejections to the error handler itself. */
function json(fn: (req: Request, res: Response) => Promise<unknown> | unknown): RequestHandler {
  return async (req: Request, res: Response, _next: NextFunction) => {
    res.json(await fn(req, res));
  };
}

/** Adds GET /v1/info, POST /v1/search and POST /v1/annotate. */
export function addQueryRoutes(app: Express, o: QueryRouteOptions): void {
  const routes = createQueryRoutes(o);
  app.get('/v1/info', json(() => o.service.info()));
  app.post('/v1/search', ...routes.search);
  app.post('/v1/annotate', ...routes.annotate);
}

/** Reads the raw body under the limit of its format (the Arrow limit follows from maxArrowCells). */
function createBodyReader(limits: ServerLimits, inputDim: number): RequestHandler {
  const readJson = express.raw({ limit: limits.maxBodyBytes, type: JSON_TYPE });
  const readArrow = express.raw({ limit: arrowBodyBytes(limits, inputDim), type: ARROW_STREAM_TYPE });
  return (req, res, next) => (isArrowBody(req) ? readArrow : readJson)(req, res, next);
}

/** The typed request of a raw body read for `route` (an Arrow body takes its options from the query string). */
async function decodeRoute<R extends BodyRoute>(decoder: BodyDecoder, req: Request, route: R): Promise<Extract<DecodedRequest, { route: R }>> {
  const at = req.originalUrl.indexOf('?');
  const decoded = await decoder.decode({ route, format: isArrowBody(req) ? 'arrow' : 'json', bytes: req.body as Buffer, query: at < 0 ? '' : req.originalUrl.slice(at + 1) });
  if (decoded.route !== route) throw new AtlasError('internal', 'decoded the wrong route');
  return decoded as Extract<DecodedRequest, { route: R }>;
}

/** POST /v1/search: checks what the answer's format allows, searches, records metrics and sends the answer. */
async function answerSearch(o: QueryRouteOptions, req: Request, res: Response): Promise<void> {
  const { service, limits, metrics } = o;
  const decoded = await decodeRoute(o.decoder, req, 'search');
  const { query } = decoded;
  res.locals.cells = query.n;
  const arrow = wantsArrow(req);
  if (arrow && query.summary) throw new AtlasError('invalid_request', 'summary is only in JSON answers; drop it or ask for application/json');
  if (!arrow && query.n > limits.maxCells) throw new AtlasError('batch_too_large', `JSON answers hold at most ${limits.maxCells} queries; ask for an Arrow answer (Accept: ${ARROW_STREAM_TYPE}) for up to ${limits.maxArrowCells}`);
  checkResultSize(query, limits);
  // JSON: serialised in the workers and written piece by piece when the service can.
  const result = !arrow && service.searchJson ? await service.searchJson(query) : await service.search(query);
  const level = result.level !== null ? shortLevelName(result.level) : result.prefix === 0 ? 'original' : `prefix${result.prefix}`;
  metrics.searchDuration.observe({ level }, result.timings.searchMs / 1000);
  metrics.cellsSearched.inc({ level }, query.n);
  if (query.embeddings || query.expression) metrics.adapterDuration.observe(result.timings.adapterMs / 1000);
  const geneMatch = query.expressionReport;
  if ('parts' in result) return sendJsonParts(res, withGeneMatch(result.parts, geneMatch));
  if (!arrow) return void res.json(geneMatch ? { ...result, gene_match: geneMatch } : result);
  const { results, ...rest } = result;
  const head = geneMatch ? { ...rest, gene_match: geneMatch } : rest;
  const ids = query.centroid ? undefined : decoded.cellIds;
  sendArrow(res, searchTable(results, ids, { 'fractal_atlas.result': JSON.stringify(head) }));
}

/** A JSON annotate answer; returns its timings. */
async function sendAnnotationJson(o: QueryRouteOptions, res: Response, query: AnnotateQuery): Promise<AnnotateTimings> {
  const { service, limits } = o;
  if (query.n > limits.maxCells) throw new AtlasError('batch_too_large', `JSON answers hold at most ${limits.maxCells} cells; ask for an Arrow answer (Accept: ${ARROW_STREAM_TYPE}) for up to ${limits.maxArrowCells}`);
  // Prefer the service's pre-serialised answer: 10,000 cells are ~10⁶ objects that the main thread would
  // otherwise build and stringify while /healthz waits.
  if (service.annotateJson) {
    const result = await service.annotateJson(query);
    await sendJsonParts(res, withGeneMatch(result.parts, query.expressionReport));
    return result.timings;
  }
  const result = await service.annotate(query);
  res.json(query.expressionReport ? { ...result, gene_match: query.expressionReport } : result);
  return result.timings;
}

/** POST /v1/annotate: annotates into a JSON or a streamed Arrow answer and records metrics. */
async function answerAnnotate(o: QueryRouteOptions, req: Request, res: Response): Promise<void> {
  const { service, metrics } = o;
  const manifest = service.manifest;
  const decoded = await decodeRoute(o.decoder, req, 'annotate');
  const { query } = decoded;
  res.locals.cells = query.n;
  let timings: AnnotateTimings;
  if (wantsArrow(req)) {
    // The schema (and its metadata) goes out first, so the answer's head carries no timings.
    const head = { levels: manifest.levelColumns, k: query.k, weighting: query.weighting, minConfidence: query.minConfidence ?? 0, outOfReferenceDistance: query.outOfReferenceDistance ?? manifest.outOfReferenceDistance, gene_match: query.expressionReport };
    timings = await streamAnnotation(res, service, query, decoded.cellIds, { 'fractal_atlas.result': JSON.stringify(head) });
  } else {
    timings = await sendAnnotationJson(o, res, query);
  }
  metrics.cellsAnnotated.inc(query.n);
  metrics.adapterDuration.observe(timings.adapterMs / 1000);
  metrics.annotateDuration.observe(timings.totalMs / 1000);
}

/** The middleware chains of the two POST routes. */
export function createQueryRoutes(o: QueryRouteOptions): { search: RequestHandler[]; annotate: RequestHandler[] } {
  const readBody = createBodyReader(o.limits, o.service.manifest.inputDim);
  const search: RequestHandler = (req, res) => answerSearch(o, req, res);
  const annotate: RequestHandler = (req, res) => answerAnnotate(o, req, res);
  return { search: [requireBody, readBody, search], annotate: [requireBody, readBody, annotate] };
}
