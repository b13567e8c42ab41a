/** HTTP API: the express app, its validation, error handler, auth, metrics, OpenAPI document and server lifecycle. */
export { createApp } from './app.js';
export type { AppOptions } from './app.js';
export { DEFAULT_HEADERS_TIMEOUT_MS, DEFAULT_MAX_CONNECTIONS, DEFAULT_REQUEST_TIMEOUT_MS, startServer } from './start-server.js';
export type { RunningServer, StartServerOptions } from './start-server.js';
export { API_KEY_ENV } from './auth.js';
export { DEFAULT_LIMITS, resolveLimits } from './limits.js';
export type { ServerLimits } from './limits.js';
export { SILENT_LOGGER } from './log.js';
export type { Logger } from './log.js';
export type { ServerMetrics } from './metrics.js';
export { RESPONSE_SCHEMAS } from './response-schemas.js';
