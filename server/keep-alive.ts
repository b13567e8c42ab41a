import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Default idle time of a keep-alive connection: longer than the idle timeouts clients and proxies use (undici
 * and node's Agent follow the advertised `Keep-Alive: timeout=65`; load balancers default to 60 s), so an idle
 * connection is closed by the client side first and a client never writes into a socket the server is closing.
 */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 65_000;

/**
 * Sets the connection timers of `server` so that a well-behaved client reusing a pooled connection is never
 * reset.
 *
 * Node closes an idle keep-alive socket from a timer. When that timer runs late (the event loop was busy, e.g.
 * while the process serialised a long answer or did other work), the client's next request can already sit
 * unread in the socket; `destroy()` then discards it and the kernel answers with a reset: the client sees
 * ECONNRESET for a request sent on a connection nobody had closed. So the close is decided again after pending
 * input has been read (`setImmediate` runs after the poll phase): a connection that received bytes is serving
 * a request, not idle, and stays open.
 */
export function configureKeepAlive(server: Server, keepAliveTimeoutMs: number = DEFAULT_KEEP_ALIVE_TIMEOUT_MS): void {
  server.keepAliveTimeout = keepAliveTimeoutMs;
  // Complete headers within 60 s (slow clients on a busy machine), and never sooner than the idle timeout.
  server.headersTimeout = Math.max(60_000, keepAliveTimeoutMs + 1000);
  // With a 'timeout' listener node leaves the socket to us. server.timeout is 0, so the only socket timer is
  // the keep-alive idle timer.
  server.on('timeout', (socket: Socket) => {
    const bytesRead = socket.bytesRead;
    setImmediate(() => {
      if (!socket.destroyed && socket.bytesRead === bytesRead) socket.destroy();
    });
  });
}
