/**
 * A streamed Parquet writer for Arrow record batches of one schema: batches go through atlas/'s
 * ParquetStream encoder to a temp file beside `path`, renamed into place on close and removed on abort
 * (or at process exit), so a failed run never leaves a partial file at `path`.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { tableToIPC, type Table } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { AtlasError } from '../common/index.js';
import { DEFAULT_ROW_GROUP_SIZE, ParquetStream, trackTemp, untrackTemp } from '../atlas/index.js';

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

/**
 * Opens a streamed writer to `path` (zstd, dictionary pages for the columns named in `dictionaryColumns`):
 * atlas/'s {@link ParquetStream} encoder, into a temp file renamed on close.
 */
export async function createParquetStreamWriter(path: string, dictionaryColumns: readonly string[] = []): Promise<ParquetStreamWriter> {
  const tmp = tempPathFor(path);
  let fh: FileHandle;
  try {
    fh = await open(tmp, 'wx');
  } catch (err) {
    untrackTemp(tmp);
    throw new AtlasError('file_not_found', `cannot create ${path}: ${(err as Error).message}`);
  }
  const stream = new ParquetStream(fh, 'zstd', DEFAULT_ROW_GROUP_SIZE, dictionaryColumns);
  const fail = (err: unknown): never => {
    throw err instanceof AtlasError ? err : new AtlasError('internal', `writing ${path} failed: ${err instanceof Error ? err.message : String(err)}`);
  };
  const cleanup = async () => {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    untrackTemp(tmp);
  };
  return {
    async write(table) {
      if (stream.failure !== null) fail(stream.failure);
      let batches: parquet.RecordBatch[];
      try {
        batches = parquet.Table.fromIPCStream(tableToIPC(table, 'stream')).recordBatches();
      } catch (err) {
        return fail(err);
      }
      try {
        for (const b of batches) await stream.push(b);
      } catch (err) {
        fail(err);
      }
    },
    async close() {
      try {
        await stream.finish();
        await fh.close();
        await rename(tmp, path);
        untrackTemp(tmp);
      } catch (err) {
        await cleanup();
        fail(err);
      }
    },
    async abort() {
      await stream.abort(new AtlasError('internal', 'write aborted'));
      await cleanup();
    },
  };
}
