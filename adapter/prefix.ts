/** Pure prefix math on row-major Float32Array batches (no ONNX, no I/O). */
import { AtlasError } from '../common/index.js';

function checkShape(data: Float32Array, n: number, width: number, what: string): void {
  if (!Number.isInteger(n) || n < 0) throw new AtlasError('invalid_argument', `${what}: row count ${n} is not a non-negative integer`);
  if (data.length !== n * width) throw new AtlasError('wrong_dimension', `${what}: ${data.length} values is not ${n} rows × ${width}`);
}

/**
 * Copies the first `cols` of each `width`-wide row and scales each row to unit L2 norm (all-zero rows stay
 * zero, as F.normalize leaves them).
 */
export function l2NormalizeRows(data: Float32Array, n: number, width: number, cols = width): Float32Array {
  checkShape(data, n, width, 'l2NormalizeRows');
  if (!Number.isInteger(cols) || cols < 1 || cols > width) throw new AtlasError('invalid_argument', `cannot take ${cols} of ${width} columns`);
  const out = new Float32Array(n * cols);
  for (let i = 0; i < n; i++) {
    const src = i * width;
    let ss = 0;
    for (let c = 0; c < cols; c++) ss += data[src + c] * data[src + c];
    // F.normalize divides by max(norm, 1e-12)
    const inv = 1 / Math.max(Math.sqrt(ss), 1e-12);
    const dst = i * cols;
    for (let c = 0; c < cols; c++) out[dst + c] = data[src + c] * inv;
  }
  return out;
}

/**
 * Prefix j of a batch of concatenated scale blocks: the first j·scaleDim values of each row, L2-normalised.
 * Equals the seed's get_prefix_embedding without its zero padding (padding does not change the norm, and
 * zeros add nothing to dot products), so it is what the prefix-j index stores.
 */
export function prefixEmbedding(blocks: Float32Array, n: number, numScales: number, scaleDim: number, j: number): Float32Array {
  if (!Number.isInteger(numScales) || numScales < 1 || !Number.isInteger(scaleDim) || scaleDim < 1) {
    throw new AtlasError('invalid_argument', `numScales ${numScales} and scaleDim ${scaleDim} must be positive integers`);
  }
  if (!Number.isInteger(j) || j < 1 || j > numScales) throw new AtlasError('invalid_argument', `prefix length ${j} is not in 1..${numScales}`);
  return l2NormalizeRows(blocks, n, numScales * scaleDim, j * scaleDim);
}
