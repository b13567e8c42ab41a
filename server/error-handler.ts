import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AtlasError, isAtlasError, type ErrorCode } from '../common/index.js';
import type { Logger } from './log.js';

/** The JSON body of every error response. */
export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly details?: unknown };
}

/** body-parser (and raw-body) errors carry a `type`; map the ones a client can cause to our codes. */
function fromBodyParser(err: { type?: unknown; message?: unknown; limit?: unknown }): AtlasError | null {
  switch (err.type) {
    case 'entity.parse.failed':
      return new AtlasError('invalid_json', `request body is not valid JSON: ${String(err.message)}`);
    case 'entity.too.large':
      return new AtlasError('payload_too_large', `request body is larger than the limit of ${String(err.limit)} bytes`);
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new AtlasError('unsupported_media_type', String(err.message));
    case 'request.size.invalid':
    case 'request.aborted':
      return new AtlasError('invalid_request', String(err.message));
    default:
      return null;
  }
}

/** Turns anything thrown into an {@link AtlasError}; unknown errors become `internal` (their stack is logged, not sent). */
export function toAtlasError(err: unknown): { error: AtlasError; expected: boolean } {
  if (isAtlasError(err)) return { error: err, expected: err.code !== 'internal' };
  if (err !== null && typeof err === 'object' && 'type' in err) {
    const mapped = fromBodyParser(err as { type?: unknown });
    if (mapped) return { error: mapped, expected: true };
  }
  return { error: new AtlasError('internal'), expected: false };
}

/** Builds the error body for an {@link AtlasError}. */
export function errorBody(err: AtlasError): ErrorBody {
  return { error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } };
}

/** The one error handler: JSON `{"error": {"code", "message"}}` with the status of the error table. */
export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { error, expected } = toAtlasError(err);
    res.locals.errorCode = error.code;
    if (!expected) {
      const e = err as Error | undefined;
      logger.error('internal_error', { method: req.method, path: req.path, error: e?.stack ?? String(err) });
    }
    if (res.headersSent) {
      // The response is half written: the only honest signal left is to cut the connection.
      res.destroy();
      return;
    }
    if (error.code === 'unauthorized') res.setHeader('WWW-Authenticate', 'Bearer realm="fractal-atlas"');
    res.status(error.status).json(errorBody(error));
  };
}

/** Last route: anything unmatched is a 404 `not_found`. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AtlasError('not_found', `no route ${req.method} ${req.path}`));
};
