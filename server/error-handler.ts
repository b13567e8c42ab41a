import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AtlasError, MAX_MESSAGE_CHARS, clipText, isAtlasError, type ErrorCode } from '../common/index.js';
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
      break;
  }
  // zlib's errors while inflating a gzip / deflate / br body (not that encoding, or cut short).
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new AtlasError('invalid_encoding', `request body is not valid data of its Content-Encoding (${code}: ${String(err.message)}); send it uncompressed or as complete gzip`);
  }
  // Anything else body-parser marks as the client's fault (http-errors with expose) stays a 4xx.
  const e = err as { status?: unknown; expose?: unknown };
  if (e.expose === true && typeof e.status === 'number' && e.status >= 400 && e.status < 500) return new AtlasError('invalid_request', String(err.message));
  return null;
}

/** Turns anything thrown into an {@link AtlasError}; unknown errors become `internal` (their stack is logged, not sent). */
export function toAtlasError(err: unknown): { error: AtlasError; expected: boolean } {
  if (isAtlasError(err)) return { error: err, expected: err.code !== 'internal' };
  if (err !== null && typeof err === 'object' && ('type' in err || 'code' in err || 'expose' in err)) {
    const mapped = fromBodyParser(err as { type?: unknown });
    if (mapped) return { error: mapped, expected: true };
  }
  return { error: new AtlasError('internal'), expected: false };
}

/** Builds the error body for an {@link AtlasError}. */
export function errorBody(err: AtlasError): ErrorBody {
  // Messages quote client input; whoever built the message, what goes back is bounded.
  return { error: { code: err.code, message: clipText(err.message, MAX_MESSAGE_CHARS), ...(err.details !== undefined ? { details: err.details } : {}) } };
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
    if (res.writableEnded) return; // already answered (e.g. 503 at the shutdown deadline)
    if (res.headersSent) {
      // The response is half written: the only honest signal left is to cut the connection.
      res.destroy();
      return;
    }
    // The rest of an oversized body is not worth reading: answer and close.
    if (error.code === 'payload_too_large') res.setHeader('Connection', 'close');
    if (error.code === 'unauthorized') res.setHeader('WWW-Authenticate', 'Bearer realm="fractal-atlas"');
    res.status(error.status).json(errorBody(error));
  };
}

/** Last route: anything unmatched is a 404 `not_found`. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AtlasError('not_found', `no route ${req.method} ${req.path}`));
};
