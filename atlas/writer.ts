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
import { AtlasError, LEVEL_COLUMNS, checkRows } from '../common/index.js';
import { MISSING_CL_ID, encodeDictionary, encodeEmbeddings, encodeUtf8 } from './arrow-columns.js';
import { COMPRESSIONS, ParquetStream, type Compression } from './parquet-stream.js';
import { atlasSchema, dictionaryType, extraDictionaryId, reservedColumnNames } from './schema.js';
import { trackTemp, untrackTemp } from './temp-files.js';
import type { AtlasBatchInput, EncodedColumn } from './types.js';

/** Options of {@link createAtlasWriter}. */
export interface AtlasWriterOptions {
  /** Embedding dimension; every batch must match. */
  readonly dim: number;
  /** Rows per Parquet row group (default 65,536: about 32 MB of 128-d float32 per group). */
  readonly rowGroupSize?: number;
  /** Parquet compression codec (default zstd). */
  readonly compression?: Compression;
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
  checkRows(batch.embeddings, dim, 'embeddings', n);
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

function checkExtraColumns(names: readonly string[]): string[] {
  const reserved = new Set(reservedColumnNames());
  const seen = new Set<string>();
  for (const name of names) {
    if (name.length === 0 || reserved.has(name) || seen.has(name)) {
      throw new AtlasError('invalid_argument', `extra column name ${JSON.stringify(name)} is empty, repeated or one of the atlas's own (${[...reserved].join(', ')})`);
    }
    seen.add(name);
  }
  return [...names];
}

/** One checked batch as parquet-wasm record batches; rows without cell ids get their global row numbers. */
function encodeBatch(batch: AtlasBatchInput, dim: number, withClIds: boolean, firstRow: number, extraColumns: readonly string[]): parquet.RecordBatch[] {
  const n = batch.numRows;
  const schema = atlasSchema(dim, withClIds, extraColumns);
  const cellIds = batch.cellIds ?? Array.from({ length: n }, (_, i) => String(firstRow + i));
  // The Arrow IPC → parquet-wasm hand-off fails ("failed to fill whole buffer") when two columns share one
  // codes array, as a caller reusing a column object for several levels would: give each its own.
  const used = new Set<Int32Array>();
  const own = (col: EncodedColumn): EncodedColumn => {
    if (!used.has(col.codes)) {
      used.add(col.codes);
      return col;
    }
    return { codes: col.codes.slice(), dictionary: col.dictionary };
  };
  const children = [
    encodeEmbeddings(batch.embeddings, n, dim),
    ...LEVEL_COLUMNS.map((c, k) => encodeDictionary(own(batch.levels[c]), dictionaryType(k))),
    encodeUtf8(cellIds),
  ];
  if (withClIds) children.push(encodeDictionary(own(batch.clIds!), dictionaryType(LEVEL_COLUMNS.length), MISSING_CL_ID));
  extraColumns.forEach((name, k) => children.push(encodeDictionary(own(batch.extra![name]!), dictionaryType(extraDictionaryId(k)))));
  const record = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }));
  return parquet.Table.fromIPCStream(tableToIPC(new Table([record]), 'stream')).recordBatches();
}

function checkOptions(options: AtlasWriterOptions): { dim: number; rowGroupSize: number; compression: Compression } {
  const { dim } = options;
  const rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  const compression = options.compression ?? COMPRESSIONS[0];
  if (!Number.isInteger(dim) || dim <= 0) throw new AtlasError('invalid_argument', `dim must be a positive integer, got ${dim}`);
  if (!Number.isInteger(rowGroupSize) || rowGroupSize <= 0) throw new AtlasError('invalid_argument', `rowGroupSize must be a positive integer, got ${rowGroupSize}`);
  if (!COMPRESSIONS.includes(compression)) throw new AtlasError('invalid_argument', `compression must be one of ${COMPRESSIONS.join(', ')}, got ${String(compression)}`);
  return { dim, rowGroupSize, compression };
}

/** A temp file beside `path`, removed at exit unless published. */
async function openTemp(path: string): Promise<{ fh: FileHandle; tmpPath: string }> {
  const tmpPath = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmpPath, 'wx');
    trackTemp(tmpPath);
    return { fh, tmpPath };
  } catch (err) {
    throw new AtlasError('file_not_found', `cannot create ${path}: ${(err as Error).message}`);
  }
}

/** Rethrows an AtlasError as it is, anything else as `internal` naming the file. */
function failWriting(path: string, err: unknown): never {
  if (err instanceof AtlasError) throw err;
  throw new AtlasError('internal', `writing ${path} failed: ${err instanceof Error ? err.message : String(err)}`);
}

/** Finishes the temp file (a schema-only atlas when no row came) and renames it to `path`. */
async function publishAtlas(stream: ParquetStream, fh: FileHandle, tmpPath: string, path: string, dim: number, extraColumns: readonly string[]): Promise<void> {
  if (!stream.started) {
    // No rows: a valid empty atlas (schema only), written in one go.
    await writeFile(fh, parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(new Table(atlasSchema(dim, false, extraColumns)), 'stream'))));
  } else await stream.finish();
  await fh.close();
  await rename(tmpPath, path);
  untrackTemp(tmpPath);
}

/**
 * Creates a streamed atlas writer to `path` (written to a temp file beside it until close). The schema is
 * fixed by the first batch: `cl_id` is written when that batch has clIds; `cell_id` is always written
 * (global row numbers as strings when a batch gives none).
 */
export async function createAtlasWriter(path: string, options: AtlasWriterOptions): Promise<AtlasWriter> {
  const { dim, rowGroupSize, compression } = checkOptions(options);
  const extraColumns = checkExtraColumns(options.extraColumns ?? []);
  const { fh, tmpPath } = await openTemp(path);
  const stream = new ParquetStream(fh, compression, rowGroupSize, extraColumns);
  let rows = 0;
  let withClIds: boolean | null = null;
  let state: 'open' | 'closing' | 'done' = 'open';

  const fail = (err: unknown): never => failWriting(path, err);
  const cleanup = async (): Promise<void> => {
    await fh.close().catch(() => undefined);
    await rm(tmpPath, { force: true });
    untrackTemp(tmpPath);
  };

  return {
    async write(batch) {
      if (state !== 'open') throw new AtlasError('invalid_argument', 'atlas writer is already closed');
      if (stream.failure !== null) fail(stream.failure);
      validateBatch(batch, dim, extraColumns);
      if (batch.numRows === 0) return;
      const hasCl = batch.clIds != null;
      if (withClIds === null) withClIds = hasCl;
      else if (withClIds !== hasCl) throw new AtlasError('invalid_argument', `every batch must ${withClIds ? 'have' : 'lack'} clIds, like the first one`);
      try {
        for (const b of encodeBatch(batch, dim, withClIds, rows, extraColumns)) await stream.push(b);
      } catch (err) {
        return fail(err);
      }
      rows += batch.numRows;
    },

    async close() {
      if (state !== 'open') throw new AtlasError('invalid_argument', 'atlas writer is already closed');
      state = 'closing';
      try {
        await publishAtlas(stream, fh, tmpPath, path, dim, extraColumns);
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
      await stream.abort(new AtlasError('internal', 'atlas write aborted'));
      await cleanup();
    },
  };
}
