/**
 * A streamed Parquet writer for Arrow record batches of one schema: batches go through parquet-wasm's
 * `transformParquetStream` to a temp file beside `path`, renamed into place on close and removed on abort
 * (or at process exit), so a failed run never leaves a partial file at `path`.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { tableToIPC, type Table } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { AtlasError } from '../common/index.js';
import { trackTemp, untrackTemp } from '../atlas/index.js';

/** A streamed Parquet writer (see the file comment). */
export interface ParquetStreamWriter {
  /** Appends the rows of `table`; resolves when the encoder has taken them (backpressure). */
  write(table: Table): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

/** A temp path beside `path` that is removed at exit unless released. */
export function tempPathFor(path: string): string {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  trackTemp(tmp);
  return tmp;
}

async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  for (let done = 0; done < chunk.byteLength; ) done += (await fh.write(chunk, done, chunk.byteLength - done)).bytesWritten;
}

/** Opens a streamed writer to `path` (zstd, dictionary pages for the columns named in `dictionaryColumns`). */
export async function createParquetStreamWriter(path: string, dictionaryColumns: readonly string[] = []): Promise<ParquetStreamWriter> {
  const tmp = tempPathFor(path);
  let fh: FileHandle;
  try {
    fh = await open(tmp, 'wx');
  } catch (err) {
    untrackTemp(tmp);
    throw new AtlasError('file_not_found', `cannot create ${path}: ${(err as Error).message}`);
  }
  const queue = new TransformStream<parquet.RecordBatch, parquet.RecordBatch>(undefined, { highWaterMark: 1 });
  const input = queue.writable.getWriter();
  let pipeline: Promise<void> | null = null;
  let failure: unknown = null;
  const fail = (err: unknown): never => {
    throw err instanceof AtlasError ? err : new AtlasError('internal', `writing ${path} failed: ${err instanceof Error ? err.message : String(err)}`);
  };
  const start = async () => {
    let builder = new parquet.WriterPropertiesBuilder().setCompression(parquet.Compression.ZSTD).setDictionaryEnabled(false).setCreatedBy('fractal-atlas');
    for (const c of dictionaryColumns) builder = builder.setColumnDictionaryEnabled(c, true);
    const bytes = await parquet.transformParquetStream(queue.readable, builder.build());
    pipeline = bytes.pipeTo(new WritableStream<Uint8Array>({ write: (chunk) => writeAll(fh, chunk) })).catch((err: unknown) => {
      failure ??= err;
    });
  };
  const cleanup = async () => {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    untrackTemp(tmp);
  };
  return {
    async write(table) {
      if (failure !== null) fail(failure);
      let batches: parquet.RecordBatch[];
      try {
        batches = parquet.Table.fromIPCStream(tableToIPC(table, 'stream')).recordBatches();
      } catch (err) {
        return fail(err);
      }
      for (const b of batches) {
        await input.ready;
        // transformParquetStream reads the first batch (for its schema) before it returns.
        const written = input.write(b);
        if (pipeline === null) await start();
        await written;
      }
    },
    async close() {
      try {
        await input.close();
        await pipeline;
        if (failure !== null) fail(failure);
        await fh.close();
        await rename(tmp, path);
        untrackTemp(tmp);
      } catch (err) {
        await cleanup();
        fail(err);
      }
    },
    async abort() {
      failure ??= new AtlasError('internal', 'write aborted');
      await input.abort(failure).catch(() => undefined);
      await (pipeline as Promise<void> | null)?.catch(() => undefined);
      await cleanup();
    },
  };
}
