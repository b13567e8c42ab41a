/** Small dense-vector helpers over row-major Float32Arrays (no native calls). */
import { l2NormalizeRows } from '../adapter/index.js';

/**
 * Prefix j of each row: the first `dims` values of `rowDim`-wide rows, L2-normalised per row. An all-zero
 * prefix stays zero (cosine distance to it is then 1 for every reference vector).
 */
export function normalizedPrefix(rows: Float32Array, n: number, rowDim: number, dims: number): Float32Array {
  return l2NormalizeRows(rows, n, rowDim, dims);
}

/** The normalised mean of n rows (SCimilarity's centroid query), as one row. */
export function normalizedCentroid(rows: Float32Array, n: number, dims: number): Float32Array {
  const sum = new Float64Array(dims);
  for (let i = 0; i < n; i++) for (let c = 0; c < dims; c++) sum[c]! += rows[i * dims + c]!;
  const out = new Float32Array(dims);
  let norm = 0;
  for (let c = 0; c < dims; c++) norm += sum[c]! * sum[c]!;
  const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let c = 0; c < dims; c++) out[c] = sum[c]! * inv;
  return out;
}

/** Index of the first non-finite value, or -1. */
export function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
  return -1;
}
