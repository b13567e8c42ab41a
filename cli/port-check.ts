import { createServer } from 'node:net';
import { AtlasError } from '../common/index.js';

/** How `npm start` users pick another port: npm swallows a bare `--port` (it passes only what follows `--`). */
export const NPM_START_PORT_HINT = 'choose another: `npm start -- --port N` or `PORT=N npm start`';

/**
 * Fails fast when `host:port` cannot be listened on, before minutes of generating and building. Port 0
 * (any free port) always passes. The port is released again at once; a race with another process that takes
 * it in between is still reported by the real listen.
 */
export async function checkPortFree(host: string, port: number, hint: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new AtlasError('invalid_argument', `port ${port} on ${host} is already in use (${hint})`));
      else if (err.code === 'EACCES') reject(new AtlasError('invalid_argument', `no permission to listen on ${host}:${port} (${hint})`));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') reject(new AtlasError('invalid_argument', `cannot listen on host ${host}`));
      else reject(err);
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}
