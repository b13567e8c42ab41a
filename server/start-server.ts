import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AtlasIndexService } from '../search/index.js';
import { createApp, type AppOptions } from './app.js';
import { configureKeepAlive } from './keep-alive.js';
import { createStreamLogger } from './log.js';

/** Options of {@link startServer}. */
export interface StartServerOptions extends AppOptions {
  /** TCP port; 0 picks a free one. Default 8080. */
  readonly port?: number;
  /** Interface to bind. Default 127.0.0.1. */
  readonly host?: string;
  /** Close gracefully on SIGTERM and SIGINT. Default true. */
  readonly handleSignals?: boolean;
  /** How long shutdown waits for in-flight requests before cutting connections. Default 30 s. */
  readonly shutdownTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open (advertised as `Keep-Alive: timeout=…`). Default 65 s. */
  readonly keepAliveTimeoutMs?: number;
}

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

/** Starts the HTTP server for an opened index service; the server owns the service from here on. */
export async function startServer(service: AtlasIndexService, options: StartServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createStreamLogger();
  const app = createApp(service, { ...options, logger });
  const server = createServer(app);
  // Large bodies arrive slowly on a busy machine: the default 5 min request timeout is kept.
  configureKeepAlive(server, options.keepAliveTimeoutMs);
  let shuttingDown = false;
  // Once shutdown has begun, keep-alive connections must not hold the server open: new responses say
  // `Connection: close`, and a connection whose in-flight response just finished is closed once idle.
  server.prependListener('request', (_req, res) => {
    if (shuttingDown) res.setHeader('Connection', 'close');
    res.on('finish', () => {
      if (shuttingDown) setImmediate(() => server.closeIdleConnections());
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
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
      const timeoutMs = options.shutdownTimeoutMs ?? 30_000;
      const timer = setTimeout(() => {
        logger.error('shutdown_timeout', { ms: timeoutMs });
        server.closeAllConnections();
      }, timeoutMs);
      timer.unref();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      clearTimeout(timer);
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
