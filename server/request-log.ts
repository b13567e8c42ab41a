/** One log line and one duration observation per request, whatever its outcome (aborted included). */
import type { RequestHandler } from 'express';
import type { Logger } from './log.js';
import type { ServerMetrics } from './metrics.js';
import { ROUTES } from './routes.js';

export function createRequestLog(logger: Logger, metrics: ServerMetrics): RequestHandler {
  return (req, res, next) => {
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
  };
}
