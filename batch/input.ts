/**
 * The query cells of `annotate --in`, through the import readers (atlas/import: .h5ad by hyperslab, .npy by
 * row blocks, CSV/TSV by lines) and the atlas reader (Parquet by row group): a matrix read in blocks, the
 * cell ids, and optionally a truth column. Nothing here re-implements a reader.
 */
import { extname } from 'node:path';
import { AtlasError } from '../common/index.js';
import { LEVEL_COLUMNS, type LevelColumn } from '../common/index.js';
import { CELL_ID_COLUMN, matrixFormatOf, openAtlas, openDelimitedSource, openH5adSource, openNpyMatrix, readTableObs, type MatrixSource, type ObsSource } from '../atlas/index.js';

/** Input formats of `annotate --in`, by extension. */
export type AnnotateInputFormat = 'h5ad' | 'parquet' | 'npy' | 'table';

/** One block of query cells. */
export interface InputBlock {
  readonly embeddings: Float32Array;
  readonly n: number;
  readonly cellIds: readonly string[];
  /** Truth labels of the block's cells ('' = none), when a truth column was asked for. */
  readonly truth?: readonly string[];
}

/** An opened input. */
export interface AnnotateInput {
  readonly path: string;
  readonly format: AnnotateInputFormat;
  readonly numRows: number;
  readonly dim: number;
  /** Blocks of about `rows` cells, in order. */
  blocks(rows: number): AsyncIterable<InputBlock>;
  close(): Promise<void>;
}

/** Options of {@link openAnnotateInput}. */
export interface AnnotateInputOptions {
  /** `.h5ad`: the obsm key of the embedding. */
  readonly obsm?: string;
  /** Column of cell ids (default: the obs index, or `cell_id` of a table / atlas, else row numbers). */
  readonly idColumn?: string;
  readonly truthColumn?: string;
}

/** The format of `path`, from its extension. */
function annotateInputFormat(path: string): AnnotateInputFormat {
  if (extname(path).toLowerCase() === '.parquet') return 'parquet';
  const format = matrixFormatOf(path);
  if (format) return format;
  throw new AtlasError('invalid_argument', `cannot tell the format of ${path}: use .h5ad (with --obsm KEY), an atlas .parquet, .npy or .csv/.tsv`);
}

async function columnStrings(obs: ObsSource, name: string): Promise<string[]> {
  const col = await obs.column(name);
  return Array.from(col.codes, (c) => (c < 0 ? '' : col.dictionary[c]!));
}

/** Blocks of a matrix with per-row ids and truth held in memory (strings only; the matrix streams). */
function fromMatrix(path: string, format: AnnotateInputFormat, matrix: MatrixSource, ids: readonly string[] | null, truth: readonly string[] | undefined, close: () => Promise<void>): AnnotateInput {
  return {
    path,
    format,
    numRows: matrix.numRows,
    dim: matrix.dim,
    async *blocks(rows) {
      let at = 0;
      for await (const embeddings of matrix.blocks(rows)) {
        const n = embeddings.length / matrix.dim;
        const cellIds = ids ? ids.slice(at, at + n) : Array.from({ length: n }, (_, i) => String(at + i));
        yield { embeddings, n, cellIds, truth: truth?.slice(at, at + n) };
        at += n;
      }
    },
    close,
  };
}

async function openH5ad(path: string, o: AnnotateInputOptions): Promise<AnnotateInput> {
  if (o.obsm === undefined) throw new AtlasError('invalid_argument', 'annotate: an .h5ad input needs --obsm KEY (the embedding, e.g. X_scimilarity)');
  const source = await openH5adSource(path, { obsm: o.obsm });
  try {
    const ids = o.idColumn !== undefined ? await columnStrings(source.obs, o.idColumn) : await source.obs.index();
    const truth = o.truthColumn !== undefined ? await columnStrings(source.obs, o.truthColumn) : undefined;
    return fromMatrix(path, 'h5ad', source.matrix, ids, truth, () => source.close());
  } catch (err) {
    await source.close();
    throw err;
  }
}

async function openTable(path: string, o: AnnotateInputOptions): Promise<AnnotateInput> {
  const header = (await readTableObs(path, [])).columns;
  const idColumn = o.idColumn ?? (header.includes(CELL_ID_COLUMN) ? CELL_ID_COLUMN : undefined);
  for (const c of [idColumn, o.truthColumn]) {
    if (c !== undefined && !header.includes(c)) throw new AtlasError('invalid_input', `${path} has no column "${c}" (columns: ${header.slice(0, 20).join(', ')})`);
  }
  const meta = [idColumn, o.truthColumn].filter((c): c is string => c !== undefined);
  const { matrix, obs } = await openDelimitedSource(path, meta);
  const ids = idColumn !== undefined ? await columnStrings(obs, idColumn) : null;
  const truth = o.truthColumn !== undefined ? await columnStrings(obs, o.truthColumn) : undefined;
  return fromMatrix(path, 'table', matrix, ids, truth, async () => undefined);
}

async function openNpy(path: string, o: AnnotateInputOptions): Promise<AnnotateInput> {
  if (o.truthColumn !== undefined || o.idColumn !== undefined) throw new AtlasError('invalid_argument', 'annotate: an .npy input has no columns; --truth-column and --id-column need .h5ad, .parquet or .csv/.tsv');
  const matrix = await openNpyMatrix(path);
  return fromMatrix(path, 'npy', matrix, null, undefined, () => matrix.close());
}

async function openParquet(path: string, o: AnnotateInputOptions): Promise<AnnotateInput> {
  const atlas = await openAtlas(path);
  const truthColumn = o.truthColumn;
  const truthLevel = LEVEL_COLUMNS.find((c) => c === truthColumn);
  if (o.idColumn !== undefined && o.idColumn !== CELL_ID_COLUMN) throw new AtlasError('invalid_argument', `annotate: an atlas's ids are its ${CELL_ID_COLUMN} column; drop --id-column`);
  if (truthColumn !== undefined && truthLevel === undefined && !atlas.extraColumns.includes(truthColumn)) {
    throw new AtlasError('invalid_input', `${path} has no column "${truthColumn}" (columns: ${[...LEVEL_COLUMNS, ...atlas.extraColumns].join(', ')})`);
  }
  const strings = (col: { codes: Int32Array; dictionary: readonly string[] }) => Array.from(col.codes, (c) => col.dictionary[c] ?? '');
  return {
    path,
    format: 'parquet',
    numRows: atlas.numRows,
    dim: atlas.dim,
    async *blocks() {
      // Row groups are the blocks: the reader reads one at a time.
      for (let g = 0; g < atlas.numRowGroups; g++) {
        const b = await atlas.readRowGroup(g);
        const cellIds = b.cellIds ?? Array.from({ length: b.numRows }, (_, i) => String(b.rowOffset + i));
        let truth: string[] | undefined;
        if (truthLevel) truth = strings(b.levels[truthLevel as LevelColumn]);
        else if (truthColumn !== undefined) truth = strings((await atlas.readRowGroupExtra(g, [truthColumn]))[truthColumn]!);
        yield { embeddings: b.embeddings, n: b.numRows, cellIds, truth };
      }
    },
    close: async () => undefined,
  };
}

/** Opens `path` as query cells (the format by extension). */
export async function openAnnotateInput(path: string, options: AnnotateInputOptions = {}): Promise<AnnotateInput> {
  const format = annotateInputFormat(path);
  if (options.obsm !== undefined && format !== 'h5ad') throw new AtlasError('invalid_argument', '--obsm applies to .h5ad input only');
  if (format === 'h5ad') return openH5ad(path, options);
  if (format === 'parquet') return openParquet(path, options);
  if (format === 'npy') return openNpy(path, options);
  return openTable(path, options);
}
