/**
 * Connection bookkeeping for a graceful shutdown: which sockets carry a request in flight and which are idle
 * (keep-alive between requests, or a client that never finished its headers). Node's closeIdleConnections
 * leaves half-sent requests open, and closeAllConnections cuts running requests without a response.
 */
import type { ServerResponse, Server } from 'node:http';
import type { Socket } from 'node:net';
import { AtlasError } from '../common/index.js';
import { errorBody } from './error-handler.js';

export interface ConnectionTracker {
  /** Requests whose response has not finished yet. */
  readonly inFlight: number;
  /** Destroys every socket without a request in flight (idle keep-alive and half-sent requests). */
  closeIdle(): void;
  /** Answers every request still running with 503 not_ready (`Connection: close`); cuts half-written responses. */
  answerInFlight(message: string): number;
}

/** Starts tracking the server's sockets and requests. */
export function trackConnections(server: Server): ConnectionTracker {
  const sockets = new Set<Socket>();
  const active = new Map<ServerResponse, Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (req, res: ServerResponse) => {
    active.set(res, req.socket);
    res.once('close', () => active.delete(res));
  });
  return {
    get inFlight() {
      return active.size;
    },
    closeIdle() {
      const busy = new Set(active.values());
      for (const s of sockets) if (!busy.has(s)) s.destroy();
    },
    answerInFlight(message) {
      let answered = 0;
      for (const [res, socket] of [...active]) {
        if (res.headersSent) {
          socket.destroy();
          continue;
        }
        const body = JSON.stringify(errorBody(new AtlasError('not_ready', message)));
        res.writeHead(503, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
        res.end(body, () => socket.destroy());
        answered++;
      }
      return answered;
    },
  };
}
