/**
 * Writes an atlas Parquet file as a stream: each written batch becomes an Arrow record batch fed to
 * parquet-wasm's `transformParquetStream`, whose Parquet bytes go straight to a temp file. The writer
 * flushes a row group every `rowGroupSize` rows, so memory stays bounded by about one row group whatever
 * the number of rows. The temp file is renamed to `path` on close and deleted on abort, so an interrupted
 * write never leaves a half file at `path`.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RecordBatch, Struct, Table, makeData, tableToIPC } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { AtlasError } from '../common/index.js';
import { LEVEL_COLUMNS } from '../ontology/index.js';
import { MISSING_CL_ID, encodeDictionary, encodeEmbeddings, encodeUtf8 } from './arrow-columns.js';
import { CL_ID_COLUMN, atlasSchema, dictionaryType, extraDictionaryId, reservedColumnNames } from './schema.js';
import { trackTemp, untrackTemp } from './temp-files.js';
import type { AtlasBatchInput, EncodedColumn } from './types.js';

/** Options of {@link createAtlasWriter}. */
export interface AtlasWriterOptions {
  /** Embedding dimension; every batch must match. */
  readonly dim: number;
  /** Rows per Parquet row group (default 65,536: about 32 MB of 128-d float32 per group). */
  readonly rowGroupSize?: number;
  /** Parquet compression codec (default zstd). */
  readonly compression?: 'zstd' | 'snappy';
  /** Extra string columns every batch carries in `extra` (e.g. donor_id, tissue); none by default. */
  readonly extraColumns?: readonly string[];
}

/** A streamed atlas writer. Call {@link AtlasWriter.close} to publish the file or {@link AtlasWriter.abort}. */
export interface AtlasWriter {
  /** Appends rows; resolves once the batch is handed to the Parquet encoder (backpressure). */
  write(batch: AtlasBatchInput): Promise<void>;
  /** Finishes the file and renames it into place. */
  close(): Promise<{ rows: number }>;
  /** Stops writing and deletes the temp file; `path` is left untouched. */
  abort(): Promise<void>;
}

export const DEFAULT_ROW_GROUP_SIZE = 65_536;

function checkColumn(name: string, col: EncodedColumn, n: number): void {
  if (!(col.codes instanceof Int32Array) || col.codes.length !== n) {
    throw new AtlasError('invalid_argument', `${name}: expected ${n} codes as an Int32Array, got ${col.codes?.length}`);
  }
  const size = col.dictionary.length;
  for (let i = 0; i < n; i++) {
    const c = col.codes[i]!;
    if (c < 0 || c >= size) throw new AtlasError('invalid_argument', `${name}: code ${c} at row ${i} outside its dictionary of ${size}`);
  }
}

/** Checks a batch against the writer's dimension before anything reaches the native encoder. */
function validateBatch(batch: AtlasBatchInput, dim: number, extraColumns: readonly string[]): void {
  const n = batch.numRows;
  if (!Number.isInteger(n) || n < 0) throw new AtlasError('invalid_argument', `numRows must be a non-negative integer, got ${n}`);
  if (batch.dim !== dim) throw new AtlasError('wrong_dimension', `batch has dim ${batch.dim}, the atlas has ${dim}`);
  if (!(batch.embeddings instanceof Float32Array) || batch.embeddings.length !== n * dim) {
    throw new AtlasError('wrong_dimension', `embeddings must be a Float32Array of ${n} × ${dim} values, got ${batch.embeddings?.length}`);
  }
  const e = batch.embeddings;
  for (let i = 0; i < e.length; i++) {
    if (!Number.isFinite(e[i]!)) throw new AtlasError('non_finite', `embedding of row ${Math.floor(i / dim)} in the batch has a non-finite value`);
  }
  for (const c of LEVEL_COLUMNS) {
    const col = batch.levels?.[c];
    if (!col) throw new AtlasError('invalid_argument', `batch lacks level column ${c}`);
    checkColumn(c, col, n);
  }
  if (batch.cellIds && batch.cellIds.length !== n) throw new AtlasError('invalid_argument', `cellIds has ${batch.cellIds.length} entries for ${n} rows`);
  if (batch.clIds) checkColumn('cl_id', batch.clIds, n);
  for (const name of extraColumns) {
    const col = batch.extra?.[name];
    if (!col) throw new AtlasError('invalid_argument', `batch lacks extra column ${name}`);
    checkColumn(name, col, n);
  }
}

function checkExtraColumns(names: readonly string[]): void {
  const reserved = new Set(reservedColumnNames());
  const seen = new Set<string>();
  for (const name of names) {
    if (name.length === 0 || reserved.has(name) || seen.has(name)) {
      throw new AtlasError('invalid_argument', `extra column name ${JSON.stringify(name)} is empty, repeated or one of the atlas's own (${[...reserved].join(', ')})`);
    }
    seen.add(name);
  }
}

async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  let done = 0;
  while (done < chunk.byteLength) {
    const { bytesWritten } = await fh.write(chunk, done, chunk.byteLength - done);
    done += bytesWritten;
  }
}

/**
 * Creates a streamed atlas writer to `path` (written to a temp file beside it until close). The schema is
 * fixed by the first batch: `cl_id` is written when that batch has clIds; `cell_id` is always written
 * (global row numbers as strings when a batch gives none).
 */
export async function createAtlasWriter(path: string, options: AtlasWriterOptions): Promise<AtlasWriter> {
  const { dim } = options;
  const rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  if (!Number.isInteger(dim) || dim <= 0) throw new AtlasError('invalid_argument', `dim must be a positive integer, got ${dim}`);
  if (!Number.isInteger(rowGroupSize) || rowGroupSize <= 0) throw new AtlasError('invalid_argument', `rowGroupSize must be a positive integer, got ${rowGroupSize}`);
  const compression = options.compression ?? 'zstd';
  const extraColumns = [...(options.extraColumns ?? [])];
  checkExtraColumns(extraColumns);
  if (compression !== 'zstd' && compression !== 'snappy') throw new AtlasError('invalid_argument', `compression must be zstd or snappy, got ${String(compression)}`);

  const tmpPath = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fh: FileHandle;
  try {
    fh = await open(tmpPath, 'wx');
    trackTemp(tmpPath);
  } catch (err) {
    throw new AtlasError('file_not_found', `cannot create ${path}: ${(err as Error).message}`);
  }

  let rows = 0;
  let withClIds: boolean | null = null;
  let state: 'open' | 'closing' | 'done' = 'open';
  let failure: unknown = null;
  // One-slot hand-off between write() and the encoder's pull(): write waits while the slot is full.
  const slot: parquet.RecordBatch[] = [];
  let sourceEnded = false;
  let wakePull: (() => void) | null = null;
  let wakeWrite: (() => void) | null = null;
  let pipeline: Promise<void> | null = null;
  let sourceController: ReadableStreamDefaultController | null = null;

  const wakeAll = (): void => {
    wakePull?.();
    wakePull = null;
    wakeWrite?.();
    wakeWrite = null;
  };

  const startPipeline = async (): Promise<void> => {
    const source = new ReadableStream(
      {
        start(controller) {
          sourceController = controller;
        },
        async pull(controller) {
          while (slot.length === 0 && !sourceEnded && failure === null) await new Promise<void>((r) => (wakePull = r));
          if (failure !== null) return;
          if (slot.length > 0) {
            controller.enqueue(slot.shift());
            wakeWrite?.();
            wakeWrite = null;
          } else controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    let builder = new parquet.WriterPropertiesBuilder()
      .setCompression(compression === 'zstd' ? parquet.Compression.ZSTD : parquet.Compression.SNAPPY)
      .setMaxRowGroupSize(rowGroupSize)
      // Dictionary pages only where they pay: trying them on float vectors and unique ids costs ~35 % of
      // write time for nothing.
      .setDictionaryEnabled(false)
      .setCreatedBy('fractal-atlas');
    for (const col of [...LEVEL_COLUMNS, CL_ID_COLUMN, ...extraColumns]) builder = builder.setColumnDictionaryEnabled(col, true);
    const props = builder.build();
    const bytes = await parquet.transformParquetStream(source, props);
    pipeline = bytes
      .pipeTo(new WritableStream<Uint8Array>({ write: (chunk) => writeAll(fh, chunk) }))
      .catch((err: unknown) => {
        if (failure === null) failure = err;
        wakeAll();
        throw err;
      });
    pipeline.catch(() => undefined);
  };

  const fail = (err: unknown): never => {
    if (err instanceof AtlasError) throw err;
    throw new AtlasError('internal', `writing ${path} failed: ${err instanceof Error ? err.message : String(err)}`);
  };

  const cleanup = async (): Promise<void> => {
    await fh.close().catch(() => undefined);
    await rm(tmpPath, { force: true });
    untrackTemp(tmpPath);
  };

  return {
    async write(batch) {
      if (state !== 'open') throw new AtlasError('invalid_argument', 'atlas writer is already closed');
      if (failure !== null) fail(failure);
      validateBatch(batch, dim, extraColumns);
      const n = batch.numRows;
      if (n === 0) return;
      const hasCl = batch.clIds != null;
      if (withClIds === null) withClIds = hasCl;
      else if (withClIds !== hasCl) {
        throw new AtlasError('invalid_argument', `every batch must ${withClIds ? 'have' : 'lack'} clIds, like the first one`);
      }
      const schema = atlasSchema(dim, withClIds, extraColumns);
      const cellIds = batch.cellIds ?? Array.from({ length: n }, (_, i) => String(rows + i));
      const children = [
        encodeEmbeddings(batch.embeddings, n, dim),
        ...LEVEL_COLUMNS.map((c, k) => encodeDictionary(batch.levels[c], dictionaryType(k))),
        encodeUtf8(cellIds),
      ];
      if (withClIds) children.push(encodeDictionary(batch.clIds!, dictionaryType(LEVEL_COLUMNS.length), MISSING_CL_ID));
      extraColumns.forEach((name, k) => children.push(encodeDictionary(batch.extra![name]!, dictionaryType(extraDictionaryId(k)))));
      const record = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }));
      let wasmBatches: parquet.RecordBatch[];
      try {
        wasmBatches = parquet.Table.fromIPCStream(tableToIPC(new Table([record]), 'stream')).recordBatches();
      } catch (err) {
        return fail(err);
      }
      for (const b of wasmBatches) {
        while (slot.length > 0 && failure === null) await new Promise<void>((r) => (wakeWrite = r));
        if (failure !== null) fail(failure);
        slot.push(b);
        wakePull?.();
        wakePull = null;
        // transformParquetStream reads the first batch (for its schema) before it returns, so it starts
        // only once that batch is in the slot.
        if (pipeline === null) {
          try {
            await startPipeline();
          } catch (err) {
            failure = err;
            return fail(err);
          }
        }
      }
      rows += n;
    },

    async close() {
      if (state !== 'open') throw new AtlasError('invalid_argument', 'atlas writer is already closed');
      state = 'closing';
      try {
        if (pipeline === null) {
          // No rows: a valid empty atlas (schema only), written in one go.
          const empty = parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(new Table(atlasSchema(dim, false, extraColumns)), 'stream')));
          await writeFile(fh, empty);
        } else {
          sourceEnded = true;
          wakeAll();
          await pipeline;
        }
        if (failure !== null) fail(failure);
        await fh.close();
        await rename(tmpPath, path);
        untrackTemp(tmpPath);
      } catch (err) {
        state = 'done';
        await cleanup();
        return fail(err);
      }
      state = 'done';
      return { rows };
    },

    async abort() {
      if (state === 'done') return;
      state = 'done';
      if (failure === null) failure = new AtlasError('internal', 'atlas write aborted');
      try {
        (sourceController as ReadableStreamDefaultController | null)?.error(failure);
      } catch {
        // already closed or errored
      }
      wakeAll();
      await (pipeline as Promise<void> | null)?.catch(() => undefined);
      await cleanup();
    },
  };
}
