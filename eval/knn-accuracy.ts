/**
 * Exact cosine k-NN leave-one-out accuracy and macro-F1 per hierarchy level: the seed's evaluation protocol
 * (5-NN on a few thousand held-out cells). Pure: plain Float32Array embeddings and integer codes in, numbers
 * out, so the CLI, benches and tests all score embeddings the same way.
 *
 * Tie-breaking (deterministic, independent of platform):
 * - Neighbours are ranked by cosine similarity, descending; equal similarities rank the lower row index first.
 *   The query row itself is never its own neighbour (leave-one-out).
 * - The vote is a plain majority over the k neighbours' codes; when several codes have the same count, the
 *   code of the highest-ranked (closest) neighbour among them wins.
 * - A zero vector has cosine 0 with everything (it is not rejected, it just has no preferred neighbours).
 * - Macro-F1 averages the per-class F1 over every class that occurs in the true or the predicted codes
 *   (sklearn's `f1_score(average="macro")`); a class with no true and no predicted rows does not count.
 */
import { AtlasError } from '../common/index.js';

/** Integer class codes of one level, one per row. */
export type LevelCodes = Int32Array | Uint32Array | Uint16Array | readonly number[];

/** Input of {@link evaluateKnnAccuracy}. */
export interface KnnAccuracyOptions {
  /** Row-major `n × dim` embeddings. */
  readonly embeddings: Float32Array;
  readonly dim: number;
  /** One code array per level (length n each), coarse to fine. */
  readonly levels: readonly LevelCodes[];
  /** Level names for the result (default `level0`, `level1`, …). */
  readonly levelNames?: readonly string[];
  /** Number of neighbours (default 5). */
  readonly k?: number;
}

/** Accuracy and macro-F1 of one level. */
export interface LevelKnnScore {
  readonly level: string;
  readonly accuracy: number;
  readonly macroF1: number;
  /** Classes counted by the macro average (true ∪ predicted). */
  readonly numClasses: number;
}

/** Result of {@link evaluateKnnAccuracy}. */
export interface KnnAccuracyResult {
  readonly n: number;
  readonly k: number;
  readonly levels: readonly LevelKnnScore[];
}

/** k nearest neighbours (leave-one-out) of every row: `indices[i*k + r]` is row i's r-th neighbour. */
export interface NeighborTable {
  readonly n: number;
  readonly k: number;
  readonly indices: Int32Array;
  readonly similarities: Float32Array;
}

function validateEmbeddings(embeddings: Float32Array, dim: number): number {
  if (!(embeddings instanceof Float32Array)) throw new AtlasError('invalid_argument', 'embeddings must be a Float32Array');
  if (!Number.isInteger(dim) || dim <= 0) throw new AtlasError('invalid_argument', `dim must be a positive integer, got ${dim}`);
  if (embeddings.length % dim !== 0) {
    throw new AtlasError('wrong_dimension', `embeddings length ${embeddings.length} is not a multiple of dim ${dim}`);
  }
  for (let i = 0; i < embeddings.length; i++) {
    if (!Number.isFinite(embeddings[i])) {
      throw new AtlasError('non_finite', `embedding of row ${Math.floor(i / dim)} contains NaN or Infinity`);
    }
  }
  return embeddings.length / dim;
}

function normalizeRows(embeddings: Float32Array, n: number, dim: number): Float64Array {
  const out = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    let ss = 0;
    for (let d = 0; d < dim; d++) ss += embeddings[o + d] * embeddings[o + d];
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let d = 0; d < dim; d++) out[o + d] = embeddings[o + d] * inv;
  }
  return out;
}

/**
 * Exact cosine k nearest neighbours of every row among the other rows (leave-one-out), by a blocked
 * matrix product in plain JS: O(n² · dim), about a second for 5,000 × 128.
 */
export function findCosineNeighbors(embeddings: Float32Array, dim: number, k: number): NeighborTable {
  const n = validateEmbeddings(embeddings, dim);
  if (!Number.isInteger(k) || k < 1 || k > n - 1) {
    throw new AtlasError('k_out_of_range', `k must be an integer in [1, ${Math.max(0, n - 1)}] for ${n} rows, got ${k}`);
  }
  const x = normalizeRows(embeddings, n, dim);
  const indices = new Int32Array(n * k).fill(-1);
  const sims = new Float32Array(n * k);
  const topSim = new Float64Array(n * k).fill(-Infinity);
  const BLOCK = 4;
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const rows = Math.min(BLOCK, n - i0);
    const a0 = i0 * dim;
    const a1 = rows > 1 ? a0 + dim : a0;
    const a2 = rows > 2 ? a0 + 2 * dim : a0;
    const a3 = rows > 3 ? a0 + 3 * dim : a0;
    for (let j = 0; j < n; j++) {
      const b = j * dim;
      // Four query rows share each load of row j (register blocking).
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let d = 0; d < dim; d++) {
        const v = x[b + d];
        s0 += x[a0 + d] * v;
        s1 += x[a1 + d] * v;
        s2 += x[a2 + d] * v;
        s3 += x[a3 + d] * v;
      }
      for (let r = 0; r < rows; r++) {
        const i = i0 + r;
        if (i === j) continue;
        const s = r === 0 ? s0 : r === 1 ? s1 : r === 2 ? s2 : s3;
        const base = i * k;
        // Rows arrive in ascending j, so a strict > keeps the lower index first among equal similarities.
        if (!(s > topSim[base + k - 1])) continue;
        let p = k - 1;
        while (p > 0 && s > topSim[base + p - 1]) {
          topSim[base + p] = topSim[base + p - 1];
          indices[base + p] = indices[base + p - 1];
          p--;
        }
        topSim[base + p] = s;
        indices[base + p] = j;
      }
    }
  }
  for (let i = 0; i < n * k; i++) sims[i] = topSim[i];
  return { n, k, indices, similarities: sims };
}

/** Majority vote of each row's neighbours' codes; ties go to the closest neighbour's code (see module doc). */
export function voteNeighbors(neighbors: NeighborTable, codes: LevelCodes): Int32Array {
  const { n, k, indices } = neighbors;
  if (codes.length !== n) throw new AtlasError('invalid_argument', `expected ${n} codes, got ${codes.length}`);
  const out = new Int32Array(n);
  const votes = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const base = i * k;
    for (let r = 0; r < k; r++) votes[r] = codes[indices[base + r]];
    let best = votes[0];
    let bestCount = 0;
    for (let r = 0; r < k; r++) {
      let c = 0;
      for (let q = 0; q < k; q++) if (votes[q] === votes[r]) c++;
      // Strict > scans closest first, so the closest neighbour's code wins a tie.
      if (c > bestCount) {
        bestCount = c;
        best = votes[r];
      }
    }
    out[i] = best;
  }
  return out;
}

/** Accuracy and macro-F1 (over classes present in truth or prediction) of predicted vs true codes. */
export function scoreCodes(truth: LevelCodes, predicted: LevelCodes): { accuracy: number; macroF1: number; numClasses: number } {
  if (truth.length !== predicted.length) throw new AtlasError('invalid_argument', 'truth and prediction lengths differ');
  const n = truth.length;
  if (n === 0) throw new AtlasError('invalid_argument', 'cannot score zero rows');
  const tp = new Map<number, number>();
  const fp = new Map<number, number>();
  const fn = new Map<number, number>();
  let correct = 0;
  const bump = (m: Map<number, number>, c: number) => m.set(c, (m.get(c) ?? 0) + 1);
  for (let i = 0; i < n; i++) {
    const t = truth[i];
    const p = predicted[i];
    if (t === p) {
      correct++;
      bump(tp, t);
    } else {
      bump(fp, p);
      bump(fn, t);
    }
  }
  const classes = new Set<number>([...tp.keys(), ...fp.keys(), ...fn.keys()]);
  let f1Sum = 0;
  for (const c of classes) {
    const t = tp.get(c) ?? 0;
    f1Sum += (2 * t) / (2 * t + (fp.get(c) ?? 0) + (fn.get(c) ?? 0));
  }
  return { accuracy: correct / n, macroF1: f1Sum / classes.size, numClasses: classes.size };
}

function validateCodes(codes: LevelCodes, n: number, level: string): void {
  if (codes.length !== n) throw new AtlasError('invalid_argument', `level ${level} has ${codes.length} codes for ${n} rows`);
  for (let i = 0; i < n; i++) {
    const c = codes[i];
    if (!Number.isInteger(c) || c < 0) throw new AtlasError('invalid_argument', `level ${level}: code of row ${i} is not a non-negative integer (${c})`);
  }
}

/**
 * Cosine k-NN leave-one-out majority-vote accuracy and macro-F1 for each level of a labelled sample.
 * Exact (no index), deterministic; meant for samples of a few thousand rows.
 */
export function evaluateKnnAccuracy(options: KnnAccuracyOptions): KnnAccuracyResult {
  const { embeddings, dim, levels } = options;
  const k = options.k ?? 5;
  if (levels.length === 0) throw new AtlasError('invalid_argument', 'at least one level of codes is required');
  const names = options.levelNames ?? levels.map((_, i) => `level${i}`);
  if (names.length !== levels.length) throw new AtlasError('invalid_argument', `${names.length} level names for ${levels.length} levels`);
  const n = validateEmbeddings(embeddings, dim);
  levels.forEach((codes, i) => validateCodes(codes, n, names[i]));
  const neighbors = findCosineNeighbors(embeddings, dim, k);
  const scores = levels.map((codes, i) => ({ level: names[i], ...scoreCodes(codes, voteNeighbors(neighbors, codes)) }));
  return { n, k, levels: scores };
}
