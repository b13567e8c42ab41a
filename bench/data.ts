/**
 * Benchmark data: cells drawn from the demo atlas generator (atlas/demo), the same calibrated synthetic
 * stand-in for SCimilarity's reference that `fractal-atlas demo-atlas` writes, kept in memory (no Parquet
 * round trip). Clustered like real embeddings, unlike uniform noise, which would flatter exact search and
 * handicap HNSW.
 */
import { projectPath, LEVEL_COLUMNS } from '../common/index.js';
import { createDemoGenerator, createDemoModel, loadCellTypeTable } from '../atlas/demo/index.js';

/** Generated cells: row-major embeddings and the level codes (global dictionaries of the demo model). */
export interface BenchCells {
  readonly n: number;
  readonly dim: number;
  readonly embeddings: Float32Array;
  readonly levels: readonly Int32Array[];
}

/** Generates `n` demo cells for `seed` (about 20,000 cells/s on one core). */
export async function generateBenchCells(n: number, seed: number): Promise<BenchCells> {
  const types = await loadCellTypeTable(projectPath('data', 'demo-cell-types.tsv'));
  const model = createDemoModel(types, seed);
  const gen = createDemoGenerator(model);
  const dim = model.dim;
  const embeddings = new Float32Array(n * dim);
  const levels = LEVEL_COLUMNS.map(() => new Int32Array(n));
  const chunk = 65_536;
  for (let start = 0; start < n; start += chunk) {
    const { batch } = gen.next(Math.min(chunk, n - start));
    embeddings.set(batch.embeddings, start * dim);
    LEVEL_COLUMNS.forEach((c, l) => levels[l].set(batch.levels[c].codes, start));
  }
  return { n, dim, embeddings, levels };
}
