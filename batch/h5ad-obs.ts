/**
 * `--h5ad-out`: a copy of the input `.h5ad` with the annotation table's columns added to `obs`, in anndata's
 * on-disk encoding (≥ 0.8: labels as string arrays, numbers as float64 arrays, out_of_reference as uint8 0/1,
 * `column-order` extended), written with h5wasm to a temp copy and renamed into place when complete.
 */
import { copyFile, rename, rm } from 'node:fs/promises';
import { AtlasError } from '../common/index.js';
import { loadH5wasm, untrackTemp } from '../atlas/index.js';
import type { IndexManifest } from '../index-files/index.js';
import { CELL_FIELDS, LABEL_FIELDS, LEVEL_FIELDS, labelDictionary, levelFieldName, type AnnotationColumns } from '../search/index.js';
import { tempPathFor } from './parquet-stream.js';

type H5 = Awaited<ReturnType<typeof loadH5wasm>>;
type Group = InstanceType<H5['Group']>;

/** One obs column to add. */
type ObsColumn = { name: string; categories: readonly string[]; codes: Int32Array } | { name: string; values: Float64Array | Uint8Array };

/** The annotation table as obs columns (cell_id is the obs index already). */
export function obsColumnsOf(cols: AnnotationColumns, m: IndexManifest): ObsColumn[] {
  const out: ObsColumn[] = [];
  for (const level of cols.levels) {
    const c = cols.perLevel[level]!;
    for (const f of LEVEL_FIELDS) {
      const name = levelFieldName(level, f);
      out.push(LABEL_FIELDS.includes(f) ? { name, categories: labelDictionary(m, level), codes: c[f] as Int32Array } : { name, values: c[f] as Float64Array });
    }
  }
  out.push({ name: CELL_FIELDS[0], values: cols.nearestDistance }, { name: CELL_FIELDS[1], values: cols.outOfReference });
  return out;
}

function setEncoding(g: { create_attribute(name: string, v: string): void }, type: string): void {
  g.create_attribute('encoding-type', type);
  g.create_attribute('encoding-version', '0.2.0');
}

function addColumn(obs: Group, col: ObsColumn): void {
  if ('codes' in col) {
    // A string array, not a categorical: anndata's categorical needs a boolean `ordered` attribute, an HDF5
    // enum that h5wasm cannot write. adata.strings_to_categoricals() turns these into categoricals.
    const ds = obs.create_dataset({ name: col.name, data: Array.from(col.codes, (c) => col.categories[c]!) });
    setEncoding(ds, 'string-array');
  } else {
    const ds = obs.create_dataset({ name: col.name, data: col.values });
    setEncoding(ds, 'array');
  }
}

function stringList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Copies `input` to `out` with the columns of `cols` (one row per obs row, in order) added to obs. */
export async function writeH5adWithObs(input: string, out: string, cols: AnnotationColumns, m: IndexManifest): Promise<void> {
  const h5 = await loadH5wasm();
  const tmp = tempPathFor(out);
  try {
    await copyFile(input, tmp);
    const file = new h5.File(tmp, 'a');
    try {
      const obs = file.get('obs');
      if (!(obs instanceof h5.Group) || obs.attrs['encoding-type'] === undefined) {
        throw new AtlasError('invalid_input', `${input}: obs is not in anndata's ≥ 0.8 encoding; re-save the file with a current anndata (adata.write_h5ad) for --h5ad-out`);
      }
      const columns = obsColumnsOf(cols, m);
      const taken = columns.map((c) => c.name).filter((name) => obs.keys().includes(name));
      if (taken.length > 0) throw new AtlasError('invalid_argument', `${input}: obs already has column${taken.length > 1 ? 's' : ''} ${taken.slice(0, 5).join(', ')}; drop them first (del adata.obs[...]) or write a new --out only`);
      for (const c of columns) addColumn(obs, c);
      const order = stringList(obs.get_attribute('column-order', false));
      obs.delete_attribute('column-order');
      obs.create_attribute('column-order', [...order, ...columns.map((c) => c.name)]);
      file.flush();
    } finally {
      file.close();
    }
    await rename(tmp, out);
    untrackTemp(tmp);
  } catch (err) {
    await rm(tmp, { force: true });
    untrackTemp(tmp);
    if (err instanceof AtlasError) throw err;
    throw new AtlasError('invalid_input', `cannot write ${out}: ${(err as Error).message.split('\n')[0]}`);
  }
}
