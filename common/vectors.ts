/**
 * The one finiteness and shape rule for row-major vectors. Every native call (usearch, onnxruntime) is
 * guarded by it, and the boundary applies it to what it converted, so a NaN is reported the same way wherever
 * it is caught.
 */
import { AtlasError } from './errors.js';

/** Index of the first non-finite value, or -1. */
export function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
  return -1;
}

/**
 * Checks that `values` is a Float32Array of whole `dim`-wide rows (exactly `n` of them when given), all
 * finite, and returns the row count. `wrong_dimension` / `non_finite` name `what[row][column]`.
 */
export function checkRows(values: unknown, dim: number, what: string, n?: number): number {
  if (!(values instanceof Float32Array)) throw new AtlasError('invalid_request', `${what} must be a Float32Array (rows × ${dim}, row-major)`);
  if (!Number.isSafeInteger(dim) || dim < 1 || values.length % dim !== 0 || (n !== undefined && values.length !== n * dim)) {
    const rows = n === undefined ? '' : ` for ${n} rows`;
    throw new AtlasError('wrong_dimension', `${what} has ${values.length} values${rows}; rows must have ${dim} dimensions`);
  }
  const bad = firstNonFinite(values);
  if (bad >= 0) {
    throw new AtlasError('non_finite', `${what}[${Math.floor(bad / dim)}][${bad % dim}] is not a finite float32 (NaN, Infinity, or beyond ±3.4e38)`);
  }
  return values.length / dim;
}
