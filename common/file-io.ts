/** Positional reads and whole writes that loop until every byte moved (a single read/write may be short). */
import { createHash } from 'node:crypto';
import { createReadStream, readSync, writeSync } from 'node:fs';
import { AtlasError } from './errors.js';
import type { FileHandle } from 'node:fs/promises';

/** Reads exactly `target.byteLength` bytes at `position` (pread); throws at end of file. */
export function readFully(fd: number, target: Uint8Array, position: number): void {
  let done = 0;
  while (done < target.byteLength) {
    const n = readSync(fd, target, done, target.byteLength - done, position + done);
    if (n <= 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += n;
  }
}

/** Writes a whole typed array at the file's current position. */
export function writeFully(fd: number, data: ArrayBufferView): void {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let done = 0;
  while (done < bytes.byteLength) done += writeSync(fd, bytes, done, bytes.byteLength - done);
}

/**
 * Reads `length` bytes (default: all of `target`) at `position` into `target`, in reads of at most `chunk`
 * bytes, without blocking the event loop. Returns the bytes read: fewer than asked only at end of file.
 */
export async function readFullyAsync(fh: FileHandle, target: Uint8Array, position: number, length = target.byteLength, chunk = 16 << 20): Promise<number> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(target, done, Math.min(length - done, chunk), position + done);
    if (bytesRead <= 0) break;
    done += bytesRead;
  }
  return done;
}

/** sha256 (hex) of a file, streamed; `file_not_found` when it cannot be read. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(path, { highWaterMark: 4 << 20 });
    stream.on('data', (chunk) => hash.update(chunk));
    stream.on('error', (err) => reject(new AtlasError('file_not_found', `cannot read ${path}: ${err.message}`)));
    stream.on('end', () => resolve());
  });
  return hash.digest('hex');
}
