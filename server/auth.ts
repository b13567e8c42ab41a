import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AtlasError } from '../common/index.js';

/** Environment variable read by `serve` and `start` when `--api-key` is not given. */
export const API_KEY_ENV = 'FRACTAL_ATLAS_API_KEY';

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/**
 * Bearer-token check (`Authorization: Bearer <key>`). Compares SHA-256 digests in constant time so that
 * neither the key's content nor its length leaks through timing.
 */
export function createBearerAuth(apiKey: string): RequestHandler {
  if (apiKey.length === 0) throw new TypeError('api key must not be empty');
  const expected = digest(apiKey);
  return (req, _res, next) => {
    const header = req.headers.authorization;
    if (header === undefined) return next(new AtlasError('unauthorized', 'missing Authorization: Bearer <api key> header'));
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return next(new AtlasError('unauthorized', 'Authorization header must be "Bearer <api key>"'));
    if (!timingSafeEqual(digest(m[1]!), expected)) return next(new AtlasError('unauthorized', 'wrong api key'));
    next();
  };
}
