/** Query-cell files for the annotate tests: the held-out demo cells as CSV, .npy, atlas Parquet and .h5ad. */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createAtlasWriter } from '../../atlas/index.js';
import { LEVEL_COLUMNS, type LevelColumn } from '../../common/index.js';
import type { LabelledCells } from '../server/demo-fixture.js';
import { ANNDATA_SKIP } from '../support/python-packages.js';

const PYTHON = '/usr/bin/python3';

/** True when Debian's python has anndata (the .h5ad tests skip otherwise). */
export function hasAnndata(): boolean {
  return ANNDATA_SKIP === false;
}

/** Runs a python snippet with Debian's python; throws with its stderr on failure. */
export function runPython(code: string, args: string[] = []): string {
  const r = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout;
}

function row(cells: LabelledCells, i: number): Float32Array {
  return cells.embeddings.subarray(i * cells.dim, (i + 1) * cells.dim);
}

/** CSV: cell_id, cell_type (subtype label), embedding (space-separated). `nanAt` puts a NaN in that row. */
export async function writeCellsCsv(path: string, cells: LabelledCells, nanAt = -1): Promise<void> {
  const lines = ['cell_id,cell_type,embedding'];
  for (let i = 0; i < cells.n; i++) {
    const values = Array.from(row(cells, i), (v, d) => (i === nanAt && d === 3 ? 'NaN' : String(v)));
    lines.push(`${cells.cellIds[i]},"${cells.labels.level4_subtype[i]}",${values.join(' ')}`);
  }
  await writeFile(path, `${lines.join('\n')}\n`);
}

/** A float32 C-order .npy of the embeddings. */
export async function writeCellsNpy(path: string, cells: LabelledCells): Promise<void> {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${cells.n}, ${cells.dim}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = `${header}${' '.repeat(pad % 64)}\n`;
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  await writeFile(path, Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(cells.embeddings.buffer, cells.embeddings.byteOffset, cells.embeddings.byteLength)]));
}

/** An atlas Parquet file of the cells (with their four level labels), row groups of `rowGroupSize`. */
export async function writeCellsParquet(path: string, cells: LabelledCells, rowGroupSize = 128): Promise<void> {
  const writer = await createAtlasWriter(path, { dim: cells.dim, rowGroupSize });
  const levels = {} as Record<LevelColumn, { codes: Int32Array; dictionary: string[] }>;
  for (const c of LEVEL_COLUMNS) {
    const dictionary = [...new Set(cells.labels[c])];
    levels[c] = { codes: Int32Array.from(cells.labels[c], (l) => dictionary.indexOf(l)), dictionary };
  }
  await writer.write({ numRows: cells.n, dim: cells.dim, embeddings: cells.embeddings, levels, cellIds: [...cells.cellIds] });
  await writer.close();
}

/** An .h5ad (anndata) with obs index = cell ids, obs.cell_type categorical and obsm["X_emb"]; from the .npy. */
export function writeCellsH5ad(path: string, npyPath: string, cells: LabelledCells, idsPath: string): void {
  runPython(
    [
      'import sys, numpy as np, pandas as pd, anndata',
      'x = np.load(sys.argv[1]); rows = [l.rstrip("\\n").split("\\t") for l in open(sys.argv[2])]',
      'obs = pd.DataFrame({"cell_type": pd.Categorical([r[1] for r in rows])}, index=[r[0] for r in rows])',
      'a = anndata.AnnData(X=np.zeros((x.shape[0], 2), dtype=np.float32), obs=obs); a.obsm["X_emb"] = x',
      'a.write_h5ad(sys.argv[3])',
    ].join('\n'),
    [npyPath, idsPath, path],
  );
  void cells;
}

/** The ids/labels TSV the .h5ad script reads. */
export async function writeIdsTsv(path: string, cells: LabelledCells): Promise<void> {
  await writeFile(path, cells.cellIds.map((id, i) => `${id}\t${cells.labels.level4_subtype[i]}\n`).join(''));
}
