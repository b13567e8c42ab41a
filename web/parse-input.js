// Query cells from files, in the browser: CSV/TSV, Arrow IPC (apache-arrow's browser build) and .h5ad
// (h5wasm's ESM build, both served from the package's node_modules). Each gives {ids, data, n, dim}.

/**
 * CSV or TSV of embeddings: one cell per line, an optional header line, and an optional first column of cell
 * ids (any first field that is not a number). `maxRows` stops early (the search box reads one row).
 */
export function parseDelimited(text, expectedDim, maxRows = Infinity) {
  const lines = text.split(/\r?\n/);
  const firstLine = lines.find((l) => l.trim() !== '') ?? '';
  const sep = firstLine.includes('\t') ? '\t' : firstLine.includes(',') ? ',' : /\s+/;
  const ids = [];
  const rows = [];
  let dim = -1;
  for (let ln = 0; ln < lines.length && rows.length < maxRows; ln++) {
    const line = lines[ln].trim();
    if (line === '') continue;
    const fields = line.split(sep).map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
    const hasId = fields.length > 0 && (fields[0] === '' || !Number.isFinite(Number(fields[0])));
    const values = (hasId ? fields.slice(1) : fields).map(Number);
    if (values.some((v) => !Number.isFinite(v))) {
      if (rows.length === 0 && ids.length === 0) continue; // a header line
      throw new Error(`line ${ln + 1}: not a number in ${JSON.stringify(line.slice(0, 60))}`);
    }
    if (dim < 0) dim = values.length;
    if (values.length !== dim) throw new Error(`line ${ln + 1} has ${values.length} values, the first row has ${dim}`);
    ids.push(hasId ? fields[0] : `cell_${rows.length + 1}`);
    rows.push(values);
  }
  if (rows.length === 0) throw new Error('the file has no rows of numbers');
  checkDim(dim, expectedDim);
  const data = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => data.set(r, i * dim));
  return { ids, data, n: rows.length, dim };
}

function checkDim(dim, expectedDim) {
  if (dim !== expectedDim) throw new Error(`the cells have ${dim} values each; this index takes ${expectedDim}-dimensional embeddings`);
}

let arrowLoading = null;
function loadArrow() {
  arrowLoading ??= new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = '/vendor/apache-arrow/Arrow.es2015.min.js';
    s.onload = () => resolve(window.Arrow);
    s.onerror = () => reject(new Error('cannot load the Arrow reader'));
    document.head.append(s);
  });
  return arrowLoading;
}

/**
 * Arrow IPC (file or stream): the embedding is a FixedSizeList/List column of floats (named "embedding" if
 * several), or else every floating-point column; the cell id the first string column.
 */
export async function parseArrow(buffer, expectedDim) {
  const Arrow = await loadArrow();
  const table = Arrow.tableFromIPC(new Uint8Array(buffer));
  const n = table.numRows;
  const fields = table.schema.fields;
  const isFloat = (t) => t.typeId === Arrow.Type.Float;
  const lists = fields.filter((f) => (f.type.typeId === Arrow.Type.FixedSizeList || f.type.typeId === Arrow.Type.List) && isFloat(f.type.children[0].type));
  // Strings may be plain or dictionary-encoded (what most writers produce for repeated values).
  const isText = (t) => Arrow.DataType.isUtf8(t) || Arrow.DataType.isLargeUtf8?.(t) || (Arrow.DataType.isDictionary(t) && isText(t.dictionary));
  const idField = fields.find((f) => f.name === 'cell_id' && isText(f.type)) ?? fields.find((f) => isText(f.type));
  const idColumn = idField ? table.getChild(idField.name) : null;
  const ids = Array.from({ length: n }, (_, i) => (idColumn ? String(idColumn.get(i)) : `cell_${i + 1}`));
  let data;
  let dim;
  if (lists.length > 0) {
    const field = lists.find((f) => f.name === 'embedding') ?? lists[0];
    const column = table.getChild(field.name);
    dim = n > 0 ? column.get(0).length : 0;
    checkDim(dim, expectedDim);
    data = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      const v = column.get(i);
      if (!v || v.length !== dim) throw new Error(`row ${i + 1} of ${field.name} has ${v?.length ?? 0} values, expected ${dim}`);
      data.set(v.toArray ? v.toArray() : v, i * dim);
    }
  } else {
    const columns = fields.filter((f) => isFloat(f.type));
    dim = columns.length;
    if (dim === 0) throw new Error('the Arrow file has no embedding column (a list of floats) and no float columns');
    checkDim(dim, expectedDim);
    data = new Float32Array(n * dim);
    columns.forEach((f, j) => {
      const values = table.getChild(f.name).toArray();
      for (let i = 0; i < n; i++) data[i * dim + j] = values[i];
    });
  }
  return { ids, data, n, dim };
}

let h5Loading = null;
let h5Files = 0;

/**
 * Opens an .h5ad (AnnData HDF5) file. Returns the dense `obsm` keys with their shapes and `load(key)`, which
 * reads that matrix and the obs index (cell ids).
 */
export async function openH5ad(buffer) {
  h5Loading ??= import('/vendor/h5wasm/hdf5_hl.js').then(async (h5wasm) => {
    const Module = await h5wasm.ready;
    return { h5wasm, FS: Module.FS };
  });
  const { h5wasm, FS } = await h5Loading;
  const path = `/upload-${++h5Files}.h5ad`;
  FS.writeFile(path, new Uint8Array(buffer));
  const file = new h5wasm.File(path, 'r');
  const close = () => {
    file.close();
    FS.unlink(path);
  };
  const obsm = file.get('obsm');
  if (!obsm || typeof obsm.keys !== 'function') {
    close();
    throw new Error('this .h5ad has no obsm group (no embeddings to annotate)');
  }
  const keys = [];
  for (const key of obsm.keys()) {
    const item = file.get(`obsm/${key}`);
    if (item && Array.isArray(item.shape) && item.shape.length === 2) keys.push({ key, shape: item.shape });
  }
  if (keys.length === 0) {
    close();
    throw new Error('obsm holds no dense 2-D matrices');
  }
  return {
    keys,
    load(key, expectedDim) {
      const ds = file.get(`obsm/${key}`);
      const [n, dim] = ds.shape;
      checkDim(dim, expectedDim);
      const data = Float32Array.from(ds.value);
      return { ids: readObsNames(file, n), data, n, dim };
    },
    close,
  };
}

function readObsNames(file, n) {
  const obs = file.get('obs');
  const indexName = obs?.attrs?._index?.value ?? '_index';
  const ds = file.get(`obs/${indexName}`);
  const values = ds?.value;
  if (!values || values.length !== n) return Array.from({ length: n }, (_, i) => `cell_${i + 1}`);
  return Array.from(values, String);
}
