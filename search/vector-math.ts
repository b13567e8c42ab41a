/** Small dense-vector helpers over row-major Float32Arrays (no native calls). */

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
