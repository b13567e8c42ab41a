/**
 * The seed's evaluation table, pure: given a labelled sample's original embeddings and its fractal adapter
 * outputs, score Original vs Fractal (full) vs Fractal (prefix j) for every j — exact cosine k-NN
 * leave-one-out majority vote, accuracy and macro-F1 per level, silhouette of level 1 — and steerability.
 */
import { prefixEmbedding } from '../adapter/index.js';
import { AtlasError } from '../common/index.js';
import { findCosineNeighbors, scoreCodes, voteNeighbors, type LevelCodes } from './knn-accuracy.js';
import { cosineSilhouette, steerability } from './metrics.js';

/** Input of {@link evaluateFractalTable}. */
export interface FractalTableInput {
  /** Row-major `n × originalDim` embeddings as the atlas stores them. */
  readonly original: Float32Array;
  readonly originalDim: number;
  /** Row-major `n × numScales·scaleDim` adapter outputs (the concatenated blocks, any normalisation). */
  readonly fractal: Float32Array;
  readonly numScales: number;
  readonly scaleDim: number;
  /** One code array per scored level (length n each), coarse to fine: level 0 is L1, the last the leaf. */
  readonly levels: readonly LevelCodes[];
  readonly levelNames: readonly string[];
  /** Neighbours of the vote (default 5). */
  readonly k?: number;
  /** Compute silhouettes (O(n² · dim) each; default true). */
  readonly silhouette?: boolean;
  /** Called before each row is scored (progress). */
  readonly onRow?: (name: string) => void;
}

/** Scores of one level for one embedding. */
export interface LevelScore {
  readonly level: string;
  readonly accuracy: number;
  readonly macroF1: number;
}

/** One row of the table: one embedding of the sample. */
export interface EmbeddingRow {
  /** `original`, `full` or `prefix<j>`. */
  readonly key: string;
  /** Human name: "Original", "Fractal (full)", "Fractal (prefix j)". */
  readonly name: string;
  readonly dims: number;
  /** Prefix j (1..S) for prefix rows, S for full, null for original. */
  readonly prefix: number | null;
  readonly levels: readonly LevelScore[];
  /** Mean cosine silhouette of level 1 labels; null when disabled or level 1 has a single class. */
  readonly silhouetteL1: number | null;
}

/** Result of {@link evaluateFractalTable}. */
export interface FractalTableResult {
  readonly n: number;
  readonly k: number;
  readonly levelNames: readonly string[];
  readonly rows: readonly EmbeddingRow[];
  /** (L1@prefix1 − L1@full) + (Leaf@full − Leaf@prefix1) of the fractal embedding. */
  readonly steerability: number;
  /** Leaf accuracy gain of Fractal (full) over Original, per level (full − original). */
  readonly gainOverOriginal: readonly LevelScore[];
}

function distinct(codes: LevelCodes): number {
  return new Set(Array.from(codes as ArrayLike<number>)).size;
}

function scoreRow(key: string, name: string, x: Float32Array, dim: number, prefix: number | null, input: FractalTableInput, k: number): EmbeddingRow {
  input.onRow?.(name);
  const neighbors = findCosineNeighbors(x, dim, k);
  const levels = input.levels.map((codes, i) => {
    const s = scoreCodes(codes, voteNeighbors(neighbors, codes));
    return { level: input.levelNames[i], accuracy: s.accuracy, macroF1: s.macroF1 };
  });
  const l1 = input.levels[0];
  const n = x.length / dim;
  const silhouetteL1 = input.silhouette !== false && distinct(l1) >= 2 && distinct(l1) <= n - 1 ? cosineSilhouette(x, dim, l1) : null;
  return { key, name, dims: dim, prefix, levels, silhouetteL1 };
}

/**
 * Scores the original embedding, the full fractal embedding and every prefix j = 1..S−1 (the full one is
 * prefix S) on the same sample. Throws `invalid_argument` / `wrong_dimension` on inconsistent shapes.
 */
export function evaluateFractalTable(input: FractalTableInput): FractalTableResult {
  const { original, originalDim, fractal, numScales, scaleDim, levels, levelNames } = input;
  const k = input.k ?? 5;
  if (!Number.isInteger(numScales) || numScales < 1) throw new AtlasError('invalid_argument', `numScales must be a positive integer, got ${numScales}`);
  if (!Number.isInteger(scaleDim) || scaleDim < 1) throw new AtlasError('invalid_argument', `scaleDim must be a positive integer, got ${scaleDim}`);
  if (!Number.isInteger(originalDim) || originalDim < 1) throw new AtlasError('invalid_argument', `originalDim must be a positive integer, got ${originalDim}`);
  const fullDim = numScales * scaleDim;
  if (original.length % originalDim !== 0) throw new AtlasError('wrong_dimension', `original embeddings are not n × ${originalDim}`);
  const n = original.length / originalDim;
  if (fractal.length !== n * fullDim) {
    throw new AtlasError('wrong_dimension', `fractal embeddings have ${fractal.length} values, expected ${n} × ${fullDim}`);
  }
  if (levels.length === 0) throw new AtlasError('invalid_argument', 'at least one level is required');
  if (levelNames.length !== levels.length) throw new AtlasError('invalid_argument', `${levelNames.length} level names for ${levels.length} levels`);
  for (const [i, codes] of levels.entries()) {
    if (codes.length !== n) throw new AtlasError('invalid_argument', `level ${levelNames[i]} has ${codes.length} codes for ${n} rows`);
  }
  if (!Number.isInteger(k) || k < 1 || k > n - 1) throw new AtlasError('k_out_of_range', `k must be in [1, ${n - 1}] for a sample of ${n} cells, got ${k}`);

  const rows: EmbeddingRow[] = [scoreRow('original', 'Original', original, originalDim, null, input, k)];
  const full = scoreRow('full', 'Fractal (full)', prefixEmbedding(fractal, n, numScales, scaleDim, numScales), fullDim, numScales, input, k);
  rows.push(full);
  const prefixRows: EmbeddingRow[] = [];
  for (let j = 1; j < numScales; j++) {
    prefixRows.push(scoreRow(`prefix${j}`, `Fractal (prefix ${j})`, prefixEmbedding(fractal, n, numScales, scaleDim, j), j * scaleDim, j, input, k));
  }
  rows.push(...prefixRows);
  // With one scale, prefix 1 is the full embedding: S is then 0 by construction.
  const p1 = prefixRows[0] ?? full;
  const last = levels.length - 1;
  const s = steerability({
    coarseAtPrefix1: p1.levels[0].accuracy,
    coarseAtFull: full.levels[0].accuracy,
    leafAtPrefix1: p1.levels[last].accuracy,
    leafAtFull: full.levels[last].accuracy,
  });
  const gainOverOriginal = full.levels.map((l, i) => ({
    level: l.level,
    accuracy: l.accuracy - rows[0].levels[i].accuracy,
    macroF1: l.macroF1 - rows[0].levels[i].macroF1,
  }));
  return { n, k, levelNames, rows, steerability: s, gainOverOriginal };
}
