/**
 * Raw counts of an AnnData `.h5ad` for the expression encoder: `layers/counts` (SCimilarity's input) or `X`,
 * CSR or dense, read in row blocks by hyperslab and handed on sparse (a cell has a few thousand of ~30k
 * genes); gene symbols from the var index or a var column (CELLxGENE files keep Ensembl ids in the index and
 * symbols in `feature_name`). Built on the same h5wasm edge and obs/var reader as the atlas import.
 */
import { AtlasError } from '../../common/index.js';
import { createObs, encodingType, toArray, toNumbers } from './h5ad-source.js';
import { columnValues } from './types.js';
import { openH5File, type H5Dataset, type H5File } from './h5wasm-file.js';

/** Which matrix holds the counts. */
export type CountsMatrix = 'counts' | 'X';

/** One block of cells as CSR over the file's genes (indices are var positions). */
export interface CountsBlock {
  /** Row of the block's first cell in the file. */
  readonly start: number;
  readonly n: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

export interface H5adCounts {
  readonly path: string;
  /** HDF5 path of the matrix read (`layers/counts` or `X`). */
  readonly matrix: string;
  readonly numCells: number;
  /** One symbol per var row. */
  readonly genes: readonly string[];
  /** The obs index (cell ids). */
  cellIds(): Promise<string[] | null>;
  blocks(rows: number): AsyncIterable<CountsBlock>;
  close(): void;
}

export interface OpenH5adCountsOptions {
  /** Default `counts`: SCimilarity's `layers['counts']`; `X` when X holds the raw counts. */
  readonly matrix?: CountsMatrix;
  /** var column holding gene symbols (default: the var index). */
  readonly geneColumn?: string;
}

function sparseRows(file: H5File, path: string, rows: number, cols: number): (start: number, end: number) => CountsBlock {
  const [data, indices, indptr] = ['data', 'indices', 'indptr'].map((k) => file.dataset(`${path}/${k}`)) as (H5Dataset | null)[];
  if (!data || !indices || !indptr) throw new AtlasError('invalid_input', `${file.path}: ${path} is a sparse group without data/indices/indptr`);
  const info = file.info(data);
  if (info.kind !== 'float' && info.kind !== 'integer') throw new AtlasError('invalid_input', `${file.path}: ${path}/data has dtype ${info.kind}; expected numbers`);
  return (start, end) => {
    const ptr = toNumbers(file.readRows(indptr, start, end + 1));
    const p0 = ptr[0]!;
    const p1 = ptr[ptr.length - 1]!;
    const cols0 = p1 > p0 ? toNumbers(file.readRows(indices, p0, p1)) : [];
    const vals = p1 > p0 ? toArray(file.readRows(data, p0, p1)) : [];
    const out = { start, n: end - start, indptr: Int32Array.from(ptr, (p) => p - p0), indices: Int32Array.from(cols0), values: Float32Array.from(vals as ArrayLike<number>, Number) };
    for (const c of out.indices) if (!(c >= 0 && c < cols)) throw new AtlasError('invalid_input', `${file.path}: ${path}/indices has column ${c} outside [0, ${cols})`);
    if (rows < end) throw new AtlasError('invalid_input', `${file.path}: ${path} has ${rows} rows`);
    return out;
  };
}

function denseRows(file: H5File, ds: H5Dataset, cols: number): (start: number, end: number) => CountsBlock {
  return (start, end) => {
    const v = toArray(file.readRows(ds, start, end)) as ArrayLike<number>;
    const indptr = new Int32Array(end - start + 1);
    const idx: number[] = [];
    const val: number[] = [];
    for (let r = 0; r < end - start; r++) {
      for (let c = 0; c < cols; c++) {
        const x = Number(v[r * cols + c]);
        if (x !== 0) {
          idx.push(c);
          val.push(x);
        }
      }
      indptr[r + 1] = idx.length;
    }
    return { start, n: end - start, indptr, indices: Int32Array.from(idx), values: Float32Array.from(val) };
  };
}

function openCountsMatrix(file: H5File, which: CountsMatrix, numCells: number, numGenes: number): { path: string; read: (s: number, e: number) => CountsBlock } {
  const path = which === 'counts' ? 'layers/counts' : 'X';
  const ds = file.dataset(path);
  if (ds) {
    const info = file.info(ds);
    if (info.shape.length !== 2 || info.shape[0] !== numCells || info.shape[1] !== numGenes) {
      throw new AtlasError('invalid_input', `${file.path}: ${path} has shape (${info.shape.join(', ')}), expected (${numCells}, ${numGenes}) = (obs, var)`);
    }
    if (info.kind !== 'float' && info.kind !== 'integer') throw new AtlasError('invalid_input', `${file.path}: ${path} has dtype ${info.kind}; expected numbers`);
    return { path, read: denseRows(file, ds, numGenes) };
  }
  if (!file.group(path)) {
    const hint = which === 'counts' ? '; SCimilarity needs raw counts there (adata.layers["counts"]), or pass --matrix X if X holds raw counts' : '';
    throw new AtlasError('invalid_input', `${file.path} has no ${path}${hint}`);
  }
  const enc = encodingType(file, path) ?? String(file.attribute(path, 'h5sparse_format') ?? '');
  if (enc === 'csc_matrix' || enc === 'csc') throw new AtlasError('invalid_input', `${file.path}: ${path} is CSC (column-compressed), which cannot be read by cells; save it as CSR`);
  if (enc !== 'csr_matrix' && enc !== 'csr') throw new AtlasError('invalid_input', `${file.path}: ${path} has encoding ${JSON.stringify(enc)}; expected a dense array or csr_matrix`);
  const shape = toNumbers(file.attribute(path, 'shape') ?? file.attribute(path, 'h5sparse_shape'));
  if (shape[0] !== numCells || shape[1] !== numGenes) throw new AtlasError('invalid_input', `${file.path}: ${path} has shape (${shape.join(', ')}), expected (${numCells}, ${numGenes}) = (obs, var)`);
  return { path, read: sparseRows(file, path, numCells, numGenes) };
}

/** Opens the counts of an `.h5ad` file; invalid_input (one line) when a part is missing or malformed. */
export async function openH5adCounts(path: string, options: OpenH5adCountsOptions = {}): Promise<H5adCounts> {
  const file = await openH5File(path);
  try {
    const obs = createObs(file, 'obs');
    const v = createObs(file, 'var');
    const genes = options.geneColumn !== undefined ? columnValues(await v.column(options.geneColumn)) : ((await v.index()) ?? []);
    const matrix = openCountsMatrix(file, options.matrix ?? 'counts', obs.numRows, v.numRows);
    return {
      path,
      matrix: matrix.path,
      numCells: obs.numRows,
      genes,
      cellIds: () => obs.index(),
      async *blocks(rows) {
        for (let start = 0; start < obs.numRows; start += rows) yield matrix.read(start, Math.min(obs.numRows, start + rows));
      },
      close: () => file.close(),
    };
  } catch (err) {
    file.close();
    throw err;
  }
}
