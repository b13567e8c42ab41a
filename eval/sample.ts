/**
 * Draws the evaluation sample from an atlas file: a seeded uniform sample of rows without replacement, read
 * row group by row group (groups without a sampled row are skipped), labels re-coded to sample-wide codes.
 */
import { AtlasError, LEVEL_COLUMNS, type LevelColumn } from '../common/index.js';
import type { AtlasReader } from '../atlas/index.js';
import { createRng } from '../common/index.js';

/**
 * `count` distinct row numbers in [0, total), ascending, uniformly at random for `seed` (Floyd's algorithm:
 * O(count) memory whatever the total). All rows when count ≥ total.
 */
export function chooseSampleRows(total: number, count: number, seed: number): Int32Array {
  if (!Number.isSafeInteger(total) || total < 0) throw new AtlasError('invalid_argument', `total must be a non-negative integer, got ${total}`);
  if (!Number.isSafeInteger(count) || count < 0) throw new AtlasError('invalid_argument', `sample size must be a non-negative integer, got ${count}`);
  if (total > 2 ** 31 - 1) throw new AtlasError('invalid_argument', `too many rows to sample from (${total})`);
  if (count >= total) return Int32Array.from({ length: total }, (_, i) => i);
  // The project's one seeded generator, so that a seed names one sample everywhere.
  const u = createRng(seed).uniform;
  const chosen = new Set<number>();
  for (let j = total - count; j < total; j++) {
    const t = Math.floor(u() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return Int32Array.from(chosen).sort();
}

/** A labelled sample of atlas rows. */
export interface AtlasSample {
  readonly n: number;
  readonly dim: number;
  /** Row-major `n × dim` embeddings as stored in the atlas. */
  readonly embeddings: Float32Array;
  /** Global row numbers of the sampled cells, ascending. */
  readonly rows: Int32Array;
  readonly cellIds: string[];
  /** Per level column, sample-wide codes into `dictionaries`. */
  readonly codes: Readonly<Record<LevelColumn, Int32Array>>;
  readonly dictionaries: Readonly<Record<LevelColumn, string[]>>;
}

/** Reads a seeded sample of `count` rows (all rows when the atlas has fewer). */
export async function sampleAtlas(reader: AtlasReader, count: number, seed: number): Promise<AtlasSample> {
  const rows = chooseSampleRows(reader.numRows, count, seed);
  const n = rows.length;
  const dim = reader.dim;
  const embeddings = new Float32Array(n * dim);
  const cellIds = new Array<string>(n);
  const codes = {} as Record<LevelColumn, Int32Array>;
  const dictionaries = {} as Record<LevelColumn, string[]>;
  const lookups = {} as Record<LevelColumn, Map<string, number>>;
  for (const c of LEVEL_COLUMNS) {
    codes[c] = new Int32Array(n);
    dictionaries[c] = [];
    lookups[c] = new Map();
  }
  let next = 0;
  for (let g = 0; g < reader.numRowGroups && next < n; g++) {
    const start = reader.rowGroupOffsets[g];
    const end = start + reader.rowGroupSizes[g];
    if (rows[next] >= end) continue;
    const batch = await reader.readRowGroup(g);
    for (; next < n && rows[next] < end; next++) {
      const r = rows[next] - start;
      embeddings.set(batch.embeddings.subarray(r * dim, (r + 1) * dim), next * dim);
      cellIds[next] = batch.cellIds[r];
      for (const c of LEVEL_COLUMNS) {
        const col = batch.levels[c];
        const label = col.dictionary[col.codes[r]];
        let code = lookups[c].get(label);
        if (code === undefined) {
          code = dictionaries[c].length;
          lookups[c].set(label, code);
          dictionaries[c].push(label);
        }
        codes[c][next] = code;
      }
    }
  }
  if (next !== n) throw new AtlasError('invalid_atlas', `${reader.path}: row groups hold fewer rows than the metadata says`);
  return { n, dim, embeddings, rows, cellIds, codes, dictionaries };
}
