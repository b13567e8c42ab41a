/**
 * The out-of-reference distance: how far a query's nearest reference neighbour may be before the query is
 * flagged as unlike anything in the reference. Calibrated at build time on the reference itself: the 99th
 * percentile of leave-one-out nearest-neighbour distances of an evenly spaced sample of up to 2,000
 * reference cells at the finest prefix. A query farther than that from every reference cell is farther
 * than 99% of reference cells are from their own nearest neighbour.
 */
import { l2NormalizeRows } from '../adapter/index.js';
import { VectorFile, type VectorIndex } from '../index-files/index.js';

const SAMPLE = 2000;
const PERCENTILE = 0.99;

/** Value at quantile q (0..1) of `values` (nearest rank). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** Evenly spaced rows of 0..N − 1, at most m of them. */
export function sampleRows(N: number, m: number): Int32Array {
  return Int32Array.from({ length: Math.min(m, N) }, (_, i) => Math.floor((i * N) / Math.min(m, N)));
}

/** Calibrates on `index` (the finest prefix, dims of `rowDim`-wide rows of `vectorsPath`). */
export function calibrateOutOfReference(index: VectorIndex, vectorsPath: string, N: number, rowDim: number, dims: number, threads: number): number {
  if (N < 2) return 1;
  const rows = sampleRows(N, SAMPLE);
  const m = rows.length;
  const file = new VectorFile(vectorsPath, rowDim, N);
  let raw: Float32Array;
  try {
    raw = file.readRows(rows);
  } finally {
    file.close();
  }
  const res = index.search(l2NormalizeRows(raw, m, rowDim, dims), 2, threads);
  const nearest: number[] = [];
  for (let i = 0; i < m; i++) {
    // The first hit is normally the cell itself; take the first hit that is another cell.
    for (let h = 0; h < 2; h++) {
      const row = res.rows[i * 2 + h]!;
      if (row >= 0 && row !== rows[i]) {
        nearest.push(Math.max(0, res.distances[i * 2 + h]!));
        break;
      }
    }
  }
  const q = quantile(nearest, PERCENTILE);
  return Number.isFinite(q) ? Math.round(q * 1e6) / 1e6 : 1;
}
