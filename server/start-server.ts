import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AtlasIndexService } from '../search/index.js';
import { createApp, type AppOptions } from './app.js';
import { trackConnections, type ConnectionTracker } from './connections.js';
import { configureKeepAlive } from './keep-alive.js';
import { createStreamLogger, type Logger } from './log.js';

/** Options of {@link startServer}. */
export interface StartServerOptions extends AppOptions {
  /** TCP port; 0 picks a free one. Default 8080. */
  readonly port?: number;
  /** Interface to bind. Default 127.0.0.1. */
  readonly host?: string;
  /** Close gracefully on SIGTERM and SIGINT. Default true. */
  readonly handleSignals?: boolean;
  /** How long shutdown waits for in-flight requests before answering them 503. Default 30 s. */
  readonly shutdownTimeoutMs?: number;
  /** Time a client has to send the request headers. Default {@link DEFAULT_HEADERS_TIMEOUT_MS}. */
  readonly headersTimeoutMs?: number;
  /** Time a client has to send the whole request, body included. Default {@link DEFAULT_REQUEST_TIMEOUT_MS}. */
  readonly requestTimeoutMs?: number;
  /** Open connections at once; further ones are closed on arrival. Default {@link DEFAULT_MAX_CONNECTIONS}. */
  readonly maxConnections?: number;
  /** How long an idle keep-alive connection stays open (advertised as `Keep-Alive: timeout=…`). Default 65 s. */
  readonly keepAliveTimeoutMs?: number;
}

/** Seconds, not minutes: a slow or stalled client must not hold a socket (and memory) for long. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_CONNECTIONS = 1024;

/** A listening server. */
export interface RunningServer {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /**
   * Graceful shutdown: stops accepting, lets in-flight requests finish (up to the timeout), then closes the
   * index service. Idempotent; resolves when everything is closed.
   */
  close(): Promise<void>;
  /** Resolves once the server has shut down (by close() or a signal). */
  readonly closed: Promise<void>;
}

/** Listens on `host:port` (0 = any free port); rejects with the listen error (EADDRINUSE, …). */
async function listenOn(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** The HTTP server of `app` with the request timeouts, keep-alive and connection limit of `options`. */
function createHttpServer(app: RequestListener, options: StartServerOptions): Server {
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const headersTimeout = Math.min(options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS, requestTimeout);
  // Node checks both timeouts every connectionsCheckingInterval (30 s by default): check every second.
  const server = createServer({ headersTimeout, requestTimeout, connectionsCheckingInterval: Math.min(1000, headersTimeout) }, app);
  configureKeepAlive(server, options.keepAliveTimeoutMs);
  // Seconds for a request's headers and body. They only run while a request is arriving: an idle keep-alive
  // connection waits for its next request under the keep-alive timeout alone (measured, node 20).
  server.headersTimeout = headersTimeout;
  server.requestTimeout = requestTimeout;
  server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  return server;
}

/**
 * Once shutdown has begun, keep-alive connections must not hold the server open: new responses say
 * `Connection: close`, and a connection whose in-flight response just finished is closed once idle.
 */
function closeKeepAliveOnShutdown(server: Server, isShuttingDown: () => boolean): void {
  server.prependListener('request', (_req, res) => {
    if (isShuttingDown()) res.setHeader('Connection', 'close');
    res.on('finish', () => {
      if (isShuttingDown()) setImmediate(() => server.closeIdleConnections());
    });
  });
}

/** Stops accepting and waits for in-flight requests; those still running after `timeoutMs` are answered 503. */
async function closeHttpServer(server: Server, connections: ConnectionTracker, timeoutMs: number, logger: Logger): Promise<void> {
  const timer = setTimeout(() => {
    const answered = connections.answerInFlight(`the server is shutting down; the request did not finish within ${timeoutMs / 1000} s; retry`);
    logger.error('shutdown_timeout', { ms: timeoutMs, answered503: answered });
  }, timeoutMs);
  timer.unref();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Idle keep-alive sockets and clients still sending headers have nothing to wait for.
    connections.closeIdle();
  });
  clearTimeout(timer);
}

/** Starts the HTTP server for an opened index service; the server owns the service from here on. */
export async function startServer(service: AtlasIndexService, options: StartServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createStreamLogger();
  const server = createHttpServer(createApp(service, { ...options, logger }), options);
  const connections = trackConnections(server);
  let shuttingDown = false;
  closeKeepAliveOnShutdown(server, () => shuttingDown);

  const host = options.host ?? '127.0.0.1';
  const port = await listenOn(server, options.port ?? 8080, host);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let closing: Promise<void> | null = null;
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info('shutdown', { signal });
    void close();
  };

  function close(): Promise<void> {
    closing ??= (async () => {
      shuttingDown = true;
      for (const s of signals) process.off(s, onSignal);
      await closeHttpServer(server, connections, options.shutdownTimeoutMs ?? 30_000, logger);
      await service.close();
      logger.info('closed', { url });
      resolveClosed();
    })();
    return closing;
  }

  if (options.handleSignals !== false) for (const s of signals) process.on(s, onSignal);
  logger.info('listening', { url, cells: service.manifest.numCells, levels: service.manifest.levelColumns.join(',') });
  return { server, host, port, url, close, closed };
}
