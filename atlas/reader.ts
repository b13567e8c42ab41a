/**
 * Reads an atlas Parquet file one row group at a time (parquet-wasm reads only that row group's byte ranges
 * from a file Blob, so the whole file is never in memory).
 */
import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tableFromIPC, type Data, type Table } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { AtlasError, LEVEL_COLUMNS, type LevelColumn } from '../common/index.js';
import { MISSING_CL_ID, decodeEmbeddings, decodeStringList, decodeStrings } from './arrow-columns.js';
import { CELL_ID_COLUMN, CL_ID_COLUMN, EMBEDDING_COLUMN, validateAtlasSchema, type AtlasLayout } from './schema.js';
import type { AtlasBatch, EncodedColumn } from './types.js';

/** The level columns of one row group, without embeddings (cheap: used by passes that only count labels). */
export interface AtlasLevelBatch {
  readonly rowOffset: number;
  readonly numRows: number;
  readonly levels: Readonly<Record<LevelColumn, EncodedColumn>>;
}

/** An open atlas file. Row groups are read on demand; nothing is cached. */
export interface AtlasReader {
  readonly path: string;
  readonly numRows: number;
  readonly dim: number;
  readonly numRowGroups: number;
  readonly hasCellIds: boolean;
  readonly hasClIds: boolean;
  /** Bits per stored embedding value: 32, or 64 (converted to float32 as read). */
  readonly embeddingBits: 32 | 64;
  /** String columns besides the atlas's own (e.g. donor_id carried over by `import`). */
  readonly extraColumns: readonly string[];
  /** Rows in each row group, in file order. */
  readonly rowGroupSizes: readonly number[];
  /** Global row number of each row group's first row. */
  readonly rowGroupOffsets: readonly number[];
  /** Reads row group `i` (0-based) with embeddings, levels, ids. */
  readRowGroup(i: number): Promise<AtlasBatch>;
  /** Reads only the level columns of row group `i`. */
  readRowGroupLevels(i: number): Promise<AtlasLevelBatch>;
  /** Reads the named extra string columns of row group `i` (names from {@link AtlasReader.extraColumns}). */
  readRowGroupExtra(i: number, names: readonly string[]): Promise<Record<string, EncodedColumn>>;
  /** Every row group in order. */
  batches(): AsyncIterable<AtlasBatch>;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The file's Parquet handle, row-group sizes and schema: `file_not_found` / `invalid_atlas` otherwise. */
async function openParquet(path: string): Promise<{ file: parquet.ParquetFile; rowGroupSizes: number[]; schemaTable: Table }> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new AtlasError('file_not_found', `atlas file ${path} is not a regular file`);
    size = st.size;
  } catch (err) {
    if (err instanceof AtlasError) throw err;
    throw new AtlasError('file_not_found', `atlas file not found: ${path}`);
  }
  if (size < 12) throw new AtlasError('invalid_atlas', `${path} is not a Parquet file (${size} bytes)`);
  try {
    const file = await parquet.ParquetFile.fromFile(await openAsBlob(path));
    const meta = file.metadata();
    const rowGroupSizes: number[] = [];
    for (let i = 0; i < meta.numRowGroups(); i++) rowGroupSizes.push(meta.rowGroup(i).numRows());
    return { file, rowGroupSizes, schemaTable: tableFromIPC(file.schema().intoIPCStream()) };
  } catch (err) {
    throw new AtlasError('invalid_atlas', `${path} is not a readable Parquet file: ${describe(err)}`);
  }
}

/**
 * Reads one row group (optionally some columns) as an Arrow table. parquet-wasm's ParquetFile is not
 * documented as safe for overlapping async reads, so reads are serialised.
 */
function createTableReader(file: parquet.ParquetFile, path: string, rowGroupSizes: readonly number[]) {
  let queue: Promise<unknown> = Promise.resolve();
  return (i: number, columns?: string[]): Promise<Table> => {
    if (!Number.isInteger(i) || i < 0 || i >= rowGroupSizes.length) {
      return Promise.reject(new AtlasError('invalid_argument', `row group ${i} out of range [0, ${rowGroupSizes.length})`));
    }
    const run = async (): Promise<Table> => {
      try {
        const options: parquet.ReaderOptions = { rowGroups: [i], batchSize: Math.max(1, rowGroupSizes[i]!) };
        if (columns) options.columns = columns;
        const wasmTable = await file.read(options);
        return tableFromIPC(wasmTable.intoIPCStream());
      } catch (err) {
        throw new AtlasError('invalid_atlas', `${path}: cannot read row group ${i}: ${describe(err)}`);
      }
    };
    const p = queue.then(run, run);
    queue = p.catch(() => undefined);
    return p;
  };
}

function chunksOf(table: Table, name: string, path: string): Data[] {
  const col = table.getChild(name);
  if (!col) throw new AtlasError('invalid_atlas', `${path}: column "${name}" missing from a row group`);
  return col.data as Data[];
}

function decodeLevels(table: Table, n: number, path: string): Record<LevelColumn, EncodedColumn> {
  const levels = {} as Record<LevelColumn, EncodedColumn>;
  for (const c of LEVEL_COLUMNS) levels[c] = decodeStrings(chunksOf(table, c, path), n, null);
  return levels;
}

/** Cell ids of a row group: the column where the atlas has one, else the global row numbers as strings. */
function decodeCellIds(table: Table, n: number, rowOffset: number, layout: AtlasLayout, path: string): string[] {
  if (layout.hasCellIds) return decodeStringList(chunksOf(table, CELL_ID_COLUMN, path), n);
  const cellIds = new Array<string>(n);
  for (let r = 0; r < n; r++) cellIds[r] = String(rowOffset + r);
  return cellIds;
}

/** One whole row group (n rows from global row `rowOffset`) as an atlas batch. */
function decodeRowGroup(table: Table, n: number, rowOffset: number, layout: AtlasLayout, path: string): AtlasBatch {
  const cellIds = decodeCellIds(table, n, rowOffset, layout, path);
  return {
    rowOffset,
    numRows: n,
    dim: layout.dim,
    embeddings: decodeEmbeddings(chunksOf(table, EMBEDDING_COLUMN, path), n, layout.dim),
    levels: decodeLevels(table, n, path),
    cellIds,
    clIds: layout.hasClIds ? decodeStrings(chunksOf(table, CL_ID_COLUMN, path), n, MISSING_CL_ID) : null,
  };
}

/** The global row number of each row group's first row. */
function offsetsOf(rowGroupSizes: readonly number[]): { rowGroupOffsets: number[]; numRows: number } {
  const rowGroupOffsets: number[] = [];
  let numRows = 0;
  for (const n of rowGroupSizes) {
    rowGroupOffsets.push(numRows);
    numRows += n;
  }
  return { rowGroupOffsets, numRows };
}

/**
 * Opens an atlas Parquet file and checks its schema. Throws `file_not_found` when there is no such file and
 * `invalid_atlas` when it is not Parquet or lacks the embedding or level columns.
 */
export async function openAtlas(path: string): Promise<AtlasReader> {
  const { file, rowGroupSizes, schemaTable } = await openParquet(path);
  const numRowGroups = rowGroupSizes.length;
  const layout = validateAtlasSchema(schemaTable.schema, path);
  const { rowGroupOffsets, numRows } = offsetsOf(rowGroupSizes);
  const readTable = createTableReader(file, path, rowGroupSizes);

  const readRowGroup = async (i: number): Promise<AtlasBatch> => {
    const table = await readTable(i);
    const n = rowGroupSizes[i]!;
    if (table.numRows !== n) throw new AtlasError('invalid_atlas', `${path}: row group ${i} has ${table.numRows} rows, metadata says ${n}`);
    return decodeRowGroup(table, n, rowGroupOffsets[i]!, layout, path);
  };

  return {
    path,
    numRows,
    dim: layout.dim,
    numRowGroups,
    hasCellIds: layout.hasCellIds,
    hasClIds: layout.hasClIds,
    extraColumns: layout.extraColumns,
    embeddingBits: layout.embeddingBits === 64 ? 64 : 32,
    rowGroupSizes,
    rowGroupOffsets,
    readRowGroup,
    async readRowGroupLevels(i) {
      const table = await readTable(i, [...LEVEL_COLUMNS]);
      const n = rowGroupSizes[i]!;
      return { rowOffset: rowGroupOffsets[i]!, numRows: n, levels: decodeLevels(table, n, path) };
    },
    async readRowGroupExtra(i, names) {
      const unknown = names.filter((n) => !layout.extraColumns.includes(n));
      if (unknown.length > 0) throw new AtlasError('invalid_argument', `${path} has no extra column ${unknown.map((n) => JSON.stringify(n)).join(', ')}`);
      const table = await readTable(i, [...names]);
      const n = rowGroupSizes[i]!;
      return Object.fromEntries(names.map((name) => [name, decodeStrings(chunksOf(table, name, path), n, '')]));
    },
    async *batches() {
      for (let i = 0; i < numRowGroups; i++) yield await readRowGroup(i);
    },
  };
}
