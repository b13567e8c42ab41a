/**
 * Raw counts of a 10x Genomics matrix folder (Cell Ranger's `filtered_feature_bc_matrix/`): `matrix.mtx`
 * (MatrixMarket coordinate, features × barcodes, 1-based), `features.tsv` (v3: id, name, type) or `genes.tsv`
 * (v2: id, name) and `barcodes.tsv`, each optionally gzipped. Gene symbols are the name column. The entries
 * are read once into typed arrays and regrouped by cell (12 bytes per non-zero), then handed out in blocks
 * like the .h5ad reader's.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { AtlasError } from '../../common/index.js';
import type { CountsBlock, H5adCounts } from './h5ad-counts.js';

async function findFile(dir: string, names: readonly string[]): Promise<string | null> {
  for (const name of names) {
    for (const file of [name, `${name}.gz`]) {
      if (await stat(join(dir, file)).then((s) => s.isFile(), () => false)) return join(dir, file);
    }
  }
  return null;
}

/** The lines of a text file, gunzipped when its name ends in .gz. */
function lines(path: string): AsyncIterable<string> {
  const raw = createReadStream(path);
  const input = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (err) => input.destroy(err));
  return createInterface({ input, crlfDelay: Infinity });
}

async function readColumn(path: string, column: number): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines(path)) {
    if (line === '') continue;
    const fields = line.split('\t');
    out.push(fields[Math.min(column, fields.length - 1)]!);
  }
  return out;
}

function bad(path: string, why: string): AtlasError {
  return new AtlasError('invalid_input', `${path}: ${why}`);
}

/** Reads the coordinate entries and regroups them by cell: CSR over features, one row per barcode. */
async function readMtx(path: string, numGenes: number, numCells: number): Promise<{ indptr: Int32Array; indices: Int32Array; values: Float32Array }> {
  let header: number[] | null = null;
  let rows = new Int32Array(0);
  let cols = new Int32Array(0);
  let vals = new Float32Array(0);
  let k = 0;
  let lineNo = 0;
  for await (const line of lines(path)) {
    lineNo++;
    if (lineNo === 1 && !/^%%MatrixMarket matrix coordinate (integer|real) general/i.test(line)) throw bad(path, 'not a MatrixMarket coordinate integer/real general matrix');
    if (line.startsWith('%') || line.trim() === '') continue;
    const f = line.trim().split(/\s+/).map(Number);
    if (header === null) {
      header = f;
      if (f.length !== 3 || f[0] !== numGenes || f[1] !== numCells || !Number.isSafeInteger(f[2]) || f[2]! < 0) {
        throw bad(path, `size line "${line}" does not match ${numGenes} features × ${numCells} barcodes`);
      }
      rows = new Int32Array(f[2]!);
      cols = new Int32Array(f[2]!);
      vals = new Float32Array(f[2]!);
      continue;
    }
    const [r, c, v] = f as [number, number, number];
    if (k >= rows.length || !(r >= 1 && r <= numGenes && c >= 1 && c <= numCells) || !Number.isFinite(v)) throw bad(path, `line ${lineNo} "${line}" is not an entry inside ${numGenes} × ${numCells}`);
    rows[k] = r - 1;
    cols[k] = c - 1;
    vals[k++] = v;
  }
  if (header === null || k !== rows.length) throw bad(path, `has ${k} entries, its size line says ${header?.[2] ?? 'nothing'}`);
  const indptr = new Int32Array(numCells + 1);
  for (let i = 0; i < k; i++) indptr[cols[i]! + 1]!++;
  for (let c = 0; c < numCells; c++) indptr[c + 1]! += indptr[c]!;
  const next = indptr.slice(0, numCells);
  const indices = new Int32Array(k);
  const values = new Float32Array(k);
  for (let i = 0; i < k; i++) {
    const p = next[cols[i]!]!++;
    indices[p] = rows[i]!;
    values[p] = vals[i]!;
  }
  return { indptr, indices, values };
}

/** Opens a 10x matrix folder as counts (same shape as {@link H5adCounts}). */
export async function openTenxCounts(dir: string): Promise<H5adCounts> {
  const matrix = await findFile(dir, ['matrix.mtx']);
  const features = await findFile(dir, ['features.tsv', 'genes.tsv']);
  const barcodes = await findFile(dir, ['barcodes.tsv']);
  if (!matrix || !features || !barcodes) {
    throw new AtlasError('file_not_found', `${dir} is not a 10x matrix folder: it needs matrix.mtx, features.tsv (or genes.tsv) and barcodes.tsv (each optionally .gz)`);
  }
  const genes = await readColumn(features, 1);
  const cells = await readColumn(barcodes, 0);
  const csr = await readMtx(matrix, genes.length, cells.length);
  return {
    path: dir,
    matrix: 'matrix.mtx',
    numCells: cells.length,
    genes,
    cellIds: async () => cells,
    async *blocks(rows): AsyncIterable<CountsBlock> {
      for (let start = 0; start < cells.length; start += rows) {
        const end = Math.min(cells.length, start + rows);
        const p0 = csr.indptr[start]!;
        const p1 = csr.indptr[end]!;
        yield { start, n: end - start, indptr: csr.indptr.slice(start, end + 1).map((p) => p - p0), indices: csr.indices.subarray(p0, p1), values: csr.values.subarray(p0, p1) };
      }
    },
    close: () => {},
  };
}
