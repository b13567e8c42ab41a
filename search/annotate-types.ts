/**
 * What a `/v1/annotate` request asks and what it gets back: the kNN vote per level and the hierarchy-consistent
 * call of each cell, in the JSON shape of the API.
 */
import type { LevelColumn } from '../common/index.js';
import type { AlignedCounts, GeneReport } from '../adapter/index.js';
import type { SearchFilter } from './search-types.js';

/** Vote weightings: every neighbour counts 1, or 1/distance (SCimilarity's `weighting=True`). */
export const WEIGHTINGS = ['uniform', 'distance'] as const;

/** One of {@link WEIGHTINGS}. */
export type Weighting = (typeof WEIGHTINGS)[number];

/** Label assigned at a level whose confidence is below `minConfidence` (or whose vote is empty). */
export const UNASSIGNED = 'unassigned';

/**
 * How annotate finds each cell's neighbours: `full` = one search at the widest prefix, voted at every level;
 * `per-level` = one search per level's own prefix; `funnel` = a shortlist from the shortest level prefix,
 * reranked exactly at each level's prefix from the stored vectors. Measured in BENCHMARKS.md "Annotate plans".
 */
export const ANNOTATE_PLANS = ['full', 'per-level', 'funnel'] as const;

/** One of {@link ANNOTATE_PLANS}. */
export type AnnotatePlan = (typeof ANNOTATE_PLANS)[number];

/** The plan annotate uses when the request names none (the fastest at equal accuracy, BENCHMARKS.md). */
export const DEFAULT_ANNOTATE_PLAN: AnnotatePlan = 'full';

/** One `/v1/annotate` request. */
export interface AnnotateQuery {
  /** Row-major n × inputDim embeddings; or give `expression`. */
  readonly embeddings?: Float32Array;
  /** n cells of counts aligned to the served encoder's genes. */
  readonly expression?: AlignedCounts;
  readonly expressionReport?: GeneReport;
  readonly n: number;
  /** Neighbours per cell and level. */
  readonly k: number;
  readonly weighting: Weighting;
  /** Levels whose confidence (vsAll, weighted when weighting = distance) is below this become "unassigned". */
  readonly minConfidence?: number;
  readonly filter?: SearchFilter;
  /** Override of the manifest's out-of-reference distance. */
  readonly outOfReferenceDistance?: number;
  /** Search plan (default {@link DEFAULT_ANNOTATE_PLAN}). */
  readonly plan?: AnnotatePlan;
}

/** kNN vote at one level, with SCimilarity's `get_predictions_kNN` statistics. */
export interface LevelVote {
  /** Winning label, or "unassigned" when below minConfidence or no hits. */
  readonly label: string;
  /** vsAll (weighting uniform) or vsAll_weighted (weighting distance). */
  readonly confidence: number;
  readonly hits: Record<string, number>;
  /** Sum of 1/distance per label (distance floored at 1e-6). */
  readonly hits_weighted: Record<string, number>;
  /** best / (best + second best); 1 with a single label. */
  readonly vs2nd: number;
  /** best / all hits; 1 with a single label. */
  readonly vsAll: number;
  readonly vs2nd_weighted: number;
  readonly vsAll_weighted: number;
  /** Nearest / farthest neighbour distance; null when the level had no neighbours (e.g. empty filter). */
  readonly min_dist: number | null;
  readonly max_dist: number | null;
  /** Prefix searched for this level. */
  readonly prefix: number;
}

/** One level of the hierarchy-consistent call. */
export interface ConsistentLevel {
  readonly label: string;
  /** Share of the level's vote (weighted per the weighting) won by the label among allowed children. */
  readonly confidence: number;
}

/** Annotation of one cell. */
export interface CellAnnotation {
  /** Independent vote per available level column. */
  readonly levels: Partial<Record<LevelColumn, LevelVote>>;
  /** Levels chosen top-down among the children of the level above; never contradict each other. */
  readonly consistent: Partial<Record<LevelColumn, ConsistentLevel>>;
  /** Distance of the nearest neighbour at the finest served prefix; null when there was none (empty filter). */
  readonly nearest_distance: number | null;
  /** nearest_distance > the out-of-reference distance (independent of label confidence). */
  readonly out_of_reference: boolean;
}

/** As {@link SearchTimings}: per-phase worker time summed over chunks, and the wall time `totalMs`. */
export interface AnnotateTimings {
  readonly encoderMs?: number;
  readonly adapterMs: number;
  readonly searchMs: number;
  readonly voteMs: number;
  readonly totalMs: number;
}

export interface AnnotateResult {
  readonly levels: readonly LevelColumn[];
  readonly k: number;
  readonly weighting: Weighting;
  readonly minConfidence: number;
  readonly outOfReferenceDistance: number;
  readonly plan: AnnotatePlan;
  readonly cells: CellAnnotation[];
  readonly timings: AnnotateTimings;
}

/** {@link AtlasIndexService.annotateJson}'s answer. */
export interface SerializedAnnotateResult {
  /** JSON text of the AnnotateResult in pieces (one per job): write them in order, never join a huge answer. */
  readonly parts: readonly string[];
  /** The pieces joined (built on first read). */
  readonly json: string;
  readonly n: number;
  readonly timings: AnnotateTimings;
}
