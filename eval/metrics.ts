/**
 * Pure evaluation math shared by `fractal-atlas eval` and the benchmarks: silhouette (cosine), steerability,
 * recall@k against exact search and latency percentiles. Plain typed arrays in, numbers out.
 * Accuracy and macro-F1 live in knn-accuracy.ts (`scoreCodes`).
 */
import { AtlasError } from '../common/index.js';
import type { LevelCodes } from './knn-accuracy.js';

function unitRows(embeddings: Float32Array, n: number, dim: number): Float64Array {
  const out = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    let ss = 0;
    for (let d = 0; d < dim; d++) ss += embeddings[i * dim + d] ** 2;
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let d = 0; d < dim; d++) out[i * dim + d] = embeddings[i * dim + d] * inv;
  }
  return out;
}

/**
 * Mean silhouette coefficient with cosine distance (1 − cos), as sklearn's `silhouette_score(X, labels,
 * metric="cosine")`: for each row, a = mean distance to the other rows of its cluster, b = the smallest mean
 * distance to another cluster, s = (b − a) / max(a, b); rows alone in their cluster score 0. O(n² · dim).
 * Needs at least 2 and at most n − 1 distinct labels.
 */
export function cosineSilhouette(embeddings: Float32Array, dim: number, labels: LevelCodes): number {
  if (!Number.isInteger(dim) || dim <= 0) throw new AtlasError('invalid_argument', `dim must be a positive integer, got ${dim}`);
  if (embeddings.length % dim !== 0) throw new AtlasError('wrong_dimension', `embeddings length ${embeddings.length} is not a multiple of dim ${dim}`);
  const n = embeddings.length / dim;
  if (labels.length !== n) throw new AtlasError('invalid_argument', `expected ${n} labels, got ${labels.length}`);
  const ids = new Map<number, number>();
  const cluster = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    if (!ids.has(l)) ids.set(l, ids.size);
    cluster[i] = ids.get(l)!;
  }
  const c = ids.size;
  if (c < 2 || c > n - 1) throw new AtlasError('invalid_argument', `silhouette needs 2 to n-1 clusters, got ${c} for ${n} rows`);
  const sizes = new Float64Array(c);
  for (let i = 0; i < n; i++) sizes[cluster[i]]++;
  const x = unitRows(embeddings, n, dim);
  const sums = new Float64Array(c);
  let total = 0;
  for (let i = 0; i < n; i++) {
    sums.fill(0);
    const a0 = i * dim;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const b0 = j * dim;
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += x[a0 + d] * x[b0 + d];
      sums[cluster[j]] += 1 - dot;
    }
    const own = cluster[i];
    if (sizes[own] <= 1) continue;
    const a = sums[own] / (sizes[own] - 1);
    let b = Infinity;
    for (let k = 0; k < c; k++) if (k !== own && sizes[k] > 0) b = Math.min(b, sums[k] / sizes[k]);
    const m = Math.max(a, b);
    total += m > 0 ? (b - a) / m : 0;
  }
  return total / n;
}

/** Accuracies of the coarsest and finest level at prefix 1 and at the full embedding. */
export interface SteerabilityInput {
  readonly coarseAtPrefix1: number;
  readonly coarseAtFull: number;
  readonly leafAtPrefix1: number;
  readonly leafAtFull: number;
}

/**
 * The seed's steerability S = (L1@prefix1 − L1@full) + (Leaf@full − Leaf@prefix1): positive when the short
 * prefix is better at the coarse level and the full embedding better at the leaf, i.e. the prefix length
 * steers the resolution of the neighbourhood.
 */
export function steerability(input: SteerabilityInput): number {
  for (const [k, v] of Object.entries(input)) {
    if (!Number.isFinite(v)) throw new AtlasError('invalid_argument', `steerability: ${k} must be a finite number, got ${v}`);
  }
  return input.coarseAtPrefix1 - input.coarseAtFull + (input.leafAtFull - input.leafAtPrefix1);
}

/**
 * Mean recall@k of approximate results against exact ones: for each query, |found ∩ truth| / k, where both
 * are row-major `q × k` key tables (−1 = empty slot, never counted as found).
 */
export function recallAtK(found: Int32Array, truth: Int32Array, k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new AtlasError('invalid_argument', `k must be a positive integer, got ${k}`);
  if (found.length !== truth.length || truth.length % k !== 0) {
    throw new AtlasError('invalid_argument', `found (${found.length}) and truth (${truth.length}) must both be q × ${k}`);
  }
  const q = truth.length / k;
  if (q === 0) throw new AtlasError('invalid_argument', 'recall of zero queries');
  let hits = 0;
  const set = new Set<number>();
  for (let i = 0; i < q; i++) {
    set.clear();
    for (let r = 0; r < k; r++) set.add(truth[i * k + r]);
    for (let r = 0; r < k; r++) {
      const key = found[i * k + r];
      if (key >= 0 && set.has(key)) {
        hits++;
        set.delete(key);
      }
    }
  }
  return hits / (q * k);
}

/** The p-th percentile (0–100) of `values` by linear interpolation between closest ranks (numpy's default). */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) throw new AtlasError('invalid_argument', 'percentile of no values');
  if (!(p >= 0 && p <= 100)) throw new AtlasError('invalid_argument', `percentile must be in [0, 100], got ${p}`);
  const sorted = Float64Array.from(values).sort();
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
