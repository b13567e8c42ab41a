/**
 * The documented limits of the HTTP API. One place: the request schemas, the OpenAPI document and the README
 * read these values, so they never drift apart.
 */
import type { Request, RequestHandler } from 'express';
import { AtlasError } from '../common/index.js';
import type { RequestLimits } from '../search/index.js';

/** The request limits plus the body size and the answer size. */
export interface ServerLimits extends RequestLimits {
  /** Largest accepted request body, in bytes (JSON text as sent). */
  readonly maxBodyBytes: number;
  /**
   * Most neighbours one `/v1/search` answer may hold (cells × k; k with centroid): at ~210 bytes of JSON per
   * hit, 1,000,000 hits are ~210 MB. Larger requests are refused up front with 413 result_too_large.
   */
  readonly maxResultHits: number;
  /** Most cells in one Arrow IPC request (and Arrow answer); its body limit follows from it ({@link arrowBodyBytes}). */
  readonly maxArrowCells: number;
}

/**
 * Defaults: 64 MiB holds 10,000 cells of 128 floats written with full precision (≈ 25 MB) and leaves room for
 * wider inputs (10,000 × 768 at ~8 characters per float ≈ 62 MB).
 */
export const DEFAULT_LIMITS: ServerLimits = Object.freeze({
  maxBodyBytes: 64 * 1024 * 1024,
  maxCells: 10_000,
  maxSearchK: 1_000,
  maxAnnotateK: 200,
  maxFilterLabels: 10_000,
  maxResultHits: 1_000_000,
  maxArrowCells: 1_000_000,
});

/** Bytes an Arrow body may spend per cell besides its floats (its cell id and offsets). */
export const ARROW_ID_BYTES_PER_CELL = 136;

/** Largest Arrow body: maxArrowCells rows of `dim` float32 plus an id each, and 1 MiB for schema and padding. */
export function arrowBodyBytes(limits: ServerLimits, dim: number): number {
  return limits.maxArrowCells * (dim * 4 + ARROW_ID_BYTES_PER_CELL) + 1024 * 1024;
}

/** Merges user overrides over {@link DEFAULT_LIMITS}. */
export function resolveLimits(overrides: Partial<ServerLimits> = {}): ServerLimits {
  const merged = { ...DEFAULT_LIMITS, ...overrides };
  for (const [k, v] of Object.entries(merged)) {
    if (!Number.isSafeInteger(v) || v < 1) throw new TypeError(`server limit ${k} must be a positive integer, got ${v}`);
  }
  return Object.freeze(merged);
}

/**
 * Refuses a declared Content-Length over the limit before a byte of the body is read, and closes the
 * connection after the 413 so the client's remaining upload is not read (or waited for) either.
 */
export function createBodyLengthGuard(limitOf: number | ((req: Request) => number)): RequestHandler {
  return (req, res, next) => {
    const maxBodyBytes = typeof limitOf === 'number' ? limitOf : limitOf(req);
    const raw = req.headers['content-length'];
    if (raw !== undefined && /^\d+$/.test(raw) && Number(raw) > maxBodyBytes) {
      res.setHeader('Connection', 'close');
      return next(new AtlasError('payload_too_large', `request body is larger than the limit of ${maxBodyBytes} bytes (Content-Length ${Number(raw)}); split the request`));
    }
    next();
  };
}

/** Refuses a search whose answer would exceed {@link ServerLimits.maxResultHits}, before any work is done. */
export function checkResultSize(query: { readonly n: number; readonly k: number; readonly centroid?: boolean }, limits: ServerLimits): void {
  const queries = query.centroid ? 1 : query.n;
  const hits = queries * query.k;
  if (hits > limits.maxResultHits) {
    const fmt = (x: number) => x.toLocaleString('en-US');
    throw new AtlasError(
      'result_too_large',
      `the answer would hold ${fmt(queries)} cells × k ${fmt(query.k)} = ${fmt(hits)} neighbours; the limit is ${fmt(limits.maxResultHits)} per request (cells × k): lower k or split the cells into several requests`,
    );
  }
}
