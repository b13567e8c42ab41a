/**
 * AnnData `.h5ad` as an import source: the embedding from `obsm/KEY` (dense) or `X` (dense or CSR), read in
 * row blocks by hyperslab (never the whole matrix), and `obs` columns in every encoding anndata has written:
 * categorical groups (`categories` + `codes`, anndata ≥ 0.7.2/0.8), legacy categoricals (integer codes with
 * their categories in `obs/__categories/COL` or `uns/COL_categories`), string and numeric columns, and the
 * obs index named by the `_index` attribute (or an `_index`/`index` dataset).
 */
import { AtlasError } from '../../common/index.js';
import { openH5File, type H5Dataset, type H5File } from './h5wasm-file.js';
import { columnFromValues, type ImportSource, type MatrixSource, type ObsSource, type SourceColumn } from './types.js';

/** Which matrix to import. */
export type H5adMatrix = { readonly obsm: string } | { readonly X: true };

/** `--X` is for small widths (e.g. an already reduced X): a gene matrix would make a 20k-d atlas. */
export const MAX_X_WIDTH = 4096;

/** Values of an HDF5 read as plain JS numbers or strings. */
export function toArray(v: unknown): ArrayLike<unknown> {
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return v as unknown as ArrayLike<unknown>;
  return [v];
}

function toFloat32(v: unknown, what: string): Float32Array {
  if (v instanceof Float32Array) return v;
  if (v instanceof Float64Array) return Float32Array.from(v);
  throw new AtlasError('invalid_input', `${what}: expected float32 or float64 values`);
}

export function toNumbers(v: unknown): number[] {
  return Array.from(toArray(v), (x) => Number(x));
}

export function encodingType(file: H5File, path: string): string | undefined {
  const v = file.attribute(path, 'encoding-type');
  return typeof v === 'string' ? v : undefined;
}

function checkFloatMatrix(file: H5File, ds: H5Dataset, name: string, numObs: number): { rows: number; dim: number } {
  const info = file.info(ds);
  if (info.kind !== 'float' || (info.size !== 4 && info.size !== 8)) {
    throw new AtlasError('invalid_input', `${file.path}: ${name} has dtype ${info.kind === 'integer' ? 'int' : info.kind}${info.size * 8}; an embedding must be float32 or float64`);
  }
  if (info.shape.length !== 2) throw new AtlasError('invalid_input', `${file.path}: ${name} has shape (${info.shape.join(', ')}); an embedding must be 2-d (cells × dims)`);
  const [rows, dim] = info.shape as [number, number];
  if (rows !== numObs) throw new AtlasError('invalid_input', `${file.path}: ${name} has ${rows} rows but obs has ${numObs}`);
  if (dim < 1) throw new AtlasError('invalid_input', `${file.path}: ${name} has no columns`);
  return { rows, dim };
}

function denseMatrix(file: H5File, ds: H5Dataset, name: string, numObs: number): MatrixSource {
  const { rows, dim } = checkFloatMatrix(file, ds, name, numObs);
  return {
    name,
    numRows: rows,
    dim,
    async *blocks(blockRows) {
      for (let start = 0; start < rows; start += blockRows) {
        const end = Math.min(rows, start + blockRows);
        yield toFloat32(file.readRows(ds, start, end), `${file.path}: ${name}`);
      }
    },
  };
}

function csrMatrix(file: H5File, path: string, numObs: number): MatrixSource {
  const shape = toNumbers(file.attribute(path, 'shape') ?? file.attribute(path, 'h5sparse_shape'));
  const [data, indices, indptr] = ['data', 'indices', 'indptr'].map((k) => file.dataset(`${path}/${k}`));
  if (shape.length !== 2 || !data || !indices || !indptr) throw new AtlasError('invalid_input', `${file.path}: X is a sparse group without shape/data/indices/indptr`);
  const [rows, dim] = shape as [number, number];
  if (rows !== numObs) throw new AtlasError('invalid_input', `${file.path}: X has ${rows} rows but obs has ${numObs}`);
  if (dim > MAX_X_WIDTH) throw new AtlasError('invalid_input', `${file.path}: X has ${dim} columns; --X is for small widths (≤ ${MAX_X_WIDTH}): import an embedding with --obsm KEY`);
  const info = file.info(data);
  if (info.kind !== 'float' && info.kind !== 'integer') throw new AtlasError('invalid_input', `${file.path}: X/data has dtype ${info.kind}; expected numbers`);
  return {
    name: 'X (CSR)',
    numRows: rows,
    dim,
    async *blocks(blockRows) {
      for (let start = 0; start < rows; start += blockRows) {
        const end = Math.min(rows, start + blockRows);
        const ptr = toNumbers(file.readRows(indptr, start, end + 1));
        const out = new Float32Array((end - start) * dim);
        const p0 = ptr[0]!;
        const p1 = ptr[ptr.length - 1]!;
        if (p1 > p0) {
          const vals = toArray(file.readRows(data, p0, p1));
          const cols = toNumbers(file.readRows(indices, p0, p1));
          for (let r = 0; r < end - start; r++) {
            for (let k = ptr[r]! - p0; k < ptr[r + 1]! - p0; k++) {
              const c = cols[k]!;
              if (!(c >= 0 && c < dim)) throw new AtlasError('invalid_input', `${file.path}: X/indices has column ${c} outside [0, ${dim})`);
              out[r * dim + c] = Number(vals[k]);
            }
          }
        }
        yield out;
      }
    },
  };
}

function openMatrix(file: H5File, which: H5adMatrix, numObs: number): MatrixSource {
  if ('obsm' in which) {
    const path = `obsm/${which.obsm}`;
    const ds = file.dataset(path);
    if (ds) return denseMatrix(file, ds, path, numObs);
    if (file.group(path)) throw new AtlasError('invalid_input', `${file.path}: ${path} is a ${encodingType(file, path) ?? 'group'}, not a dense float matrix`);
    const keys = file.group('obsm')?.keys() ?? [];
    throw new AtlasError('invalid_input', `${file.path} has no obsm key "${which.obsm}" (obsm keys: ${keys.length > 0 ? keys.join(', ') : 'none'})`);
  }
  const ds = file.dataset('X');
  if (ds) {
    const m = denseMatrix(file, ds, 'X', numObs);
    if (m.dim > MAX_X_WIDTH) throw new AtlasError('invalid_input', `${file.path}: X has ${m.dim} columns; --X is for small widths (≤ ${MAX_X_WIDTH}): import an embedding with --obsm KEY`);
    return m;
  }
  if (!file.group('X')) throw new AtlasError('invalid_input', `${file.path} has no X`);
  const enc = encodingType(file, 'X') ?? String(file.attribute('X', 'h5sparse_format') ?? '');
  if (enc === 'csr_matrix' || enc === 'csr') return csrMatrix(file, 'X', numObs);
  if (enc === 'csc_matrix' || enc === 'csc') {
    throw new AtlasError('invalid_input', `${file.path}: X is CSC (column-compressed), which cannot be read by rows; save it as CSR (adata.X = adata.X.tocsr())`);
  }
  throw new AtlasError('invalid_input', `${file.path}: X has encoding ${JSON.stringify(enc)}; expected a dense array or csr_matrix`);
}

/** Strings of a categories dataset (numbers become their decimal text). */
function readCategories(file: H5File, ds: H5Dataset): string[] {
  return Array.from(toArray(file.readAll(ds)), (v) => String(v));
}

function codesColumn(codes: ArrayLike<unknown>, categories: readonly string[]): SourceColumn {
  const out = new Int32Array(codes.length);
  for (let i = 0; i < codes.length; i++) {
    const c = Number(codes[i]);
    out[i] = c >= 0 && c < categories.length ? c : -1;
  }
  return { codes: out, dictionary: categories };
}

/** An annotation table of the file: `obs` (per cell) or `var` (per gene), read the same way. */
export function createObs(file: H5File, table: 'obs' | 'var' = 'obs'): ObsSource {
  const obs = file.group(table);
  if (!obs) {
    if (file.dataset(table)) throw new AtlasError('invalid_input', `${file.path}: ${table} is a compound dataset (anndata < 0.7); re-save the file with a current anndata`);
    throw new AtlasError('invalid_input', `${file.path} has no ${table} group: not an AnnData file`);
  }
  const indexAttr = file.attribute(table, '_index');
  const indexName = typeof indexAttr === 'string' ? indexAttr : ['_index', 'index'].find((k) => file.dataset(`${table}/${k}`));
  const columns = obs.keys().filter((k) => k !== indexName && k !== '__categories');
  const indexDs = indexName === undefined ? null : file.dataset(`${table}/${indexName}`);
  if (!indexDs) throw new AtlasError('invalid_input', `${file.path}: ${table} has no index dataset (${indexName ?? '_index'})`);
  const numRows = file.info(indexDs).shape[0] ?? 0;

  const column = async (name: string): Promise<SourceColumn> => {
    const path = `${table}/${name}`;
    if (!columns.includes(name)) throw new AtlasError('invalid_input', `${file.path}: ${table} has no column "${name}" (columns: ${columns.join(', ') || 'none'})`);
    const group = file.group(path);
    if (group) {
      const codes = file.dataset(`${path}/codes`);
      const cats = file.dataset(`${path}/categories`);
      if (encodingType(file, path) !== 'categorical' || !codes || !cats) {
        throw new AtlasError('invalid_input', `${file.path}: ${path} is a ${encodingType(file, path) ?? 'group'}, not a categorical or string column`);
      }
      return codesColumn(toArray(file.readAll(codes)), readCategories(file, cats));
    }
    const ds = file.dataset(path)!;
    const info = file.info(ds);
    if (info.shape.length !== 1 || info.shape[0] !== numRows) throw new AtlasError('invalid_input', `${file.path}: ${path} has shape (${info.shape.join(', ')}), expected (${numRows},)`);
    const legacy = file.dataset(`${table}/__categories/${name}`) ?? file.dataset(`uns/${name}_categories`);
    if (info.kind === 'integer' && legacy) return codesColumn(toArray(file.readAll(ds)), readCategories(file, legacy));
    if (info.kind === 'string') return columnFromValues(file.readAll(ds) as string[]);
    if (info.kind === 'integer' || info.kind === 'float') {
      return columnFromValues(Array.from(toArray(file.readAll(ds)), (v) => (Number.isNaN(Number(v)) ? null : String(v))));
    }
    throw new AtlasError('invalid_input', `${file.path}: ${path} has an unsupported dtype (${info.kind}); expected strings, categories or numbers`);
  };

  return {
    name: table,
    numRows,
    columns,
    column,
    async index() {
      const info = file.info(indexDs);
      if (info.kind === 'string') return file.readAll(indexDs) as string[];
      return Array.from(toArray(file.readAll(indexDs)), (v) => String(v));
    },
  };
}

/** Opens an `.h5ad` file as an import source. */
export async function openH5adSource(path: string, which: H5adMatrix): Promise<ImportSource> {
  const file = await openH5File(path);
  try {
    const obs = createObs(file);
    const matrix = openMatrix(file, which, obs.numRows);
    return { path, obs, matrix, close: async () => file.close() };
  } catch (err) {
    file.close();
    throw err;
  }
}
