/** Writing a JSON answer that arrives in pieces: one write per piece, honouring backpressure. */
import type { Response } from 'express';

/** Answers up to this size go out as one string in one write (with the headers): one syscall, not one per piece. */
export const ONE_WRITE_BYTES = 64 * 1024;

/**
 * Sends `parts` (whose concatenation is one JSON document) with status 200. A slow client holds back the
 * writes (drain), and a client that hung up stops them; a large document never becomes one string.
 */
export async function sendJsonParts(res: Response, parts: readonly string[]): Promise<void> {
  let bytes = 0;
  for (const p of parts) bytes += Buffer.byteLength(p);
  res.status(200);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', bytes);
  if (bytes <= ONE_WRITE_BYTES) return void res.end(parts.join(''));
  for (const p of parts) {
    if (res.destroyed) return;
    if (!res.write(p)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  res.end();
}
