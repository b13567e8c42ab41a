/**
 * The service contract of the search module: what the HTTP server calls (`openAtlasIndex` →
 * {@link AtlasIndexService}). Result objects are already in the JSON shape of the API (snake_case fields), so
 * the server can return them as they are.
 */
import type { LevelColumn } from '../common/index.js';
import type { IndexManifest, IndexMetric, Quantization, VerifyMode } from '../index-files/index.js';
import type { AlignedCounts, GeneIndex, GeneReport } from '../adapter/index.js';

/** Largest k the index accepts (the server applies its own, tighter limits on top). */
export const INDEX_MAX_K = 10_000;

/** Vote weightings: every neighbour counts 1, or 1/distance (SCimilarity's `weighting=True`). */
export const WEIGHTINGS = ['uniform', 'distance'] as const;

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

/** Largest per-request search beam (`ef`). */
export const MAX_SEARCH_EF = 4096;

/** One of {@link WEIGHTINGS}. */
export type Weighting = (typeof WEIGHTINGS)[number];

/** Label assigned at a level whose confidence is below `minConfidence` (or whose vote is empty). */
export const UNASSIGNED = 'unassigned';

/** Include / exclude labels per level. Keys are short level names (`system`) or level columns. */
export interface SearchFilter {
  /** A cell must have, at every level given, one of the listed labels. */
  readonly include?: Readonly<Record<string, readonly string[]>>;
  /** A cell must have, at every level given, none of the listed labels. */
  readonly exclude?: Readonly<Record<string, readonly string[]>>;
}

/** One `/v1/search` request. Give one of `embeddings` (n × inputDim), `expression` (n cells) or `cellIds`. */
export interface SearchQuery {
  /** Row-major n × inputDim query embeddings (raw model space, before the adapter). */
  readonly embeddings?: Float32Array;
  /** n cells of counts aligned to the served encoder's genes (needs OpenAtlasIndexOptions.encoderPath). */
  readonly expression?: AlignedCounts;
  /** How the request's genes matched the encoder's (informative: set by the request schema, not read by the service). */
  readonly expressionReport?: GeneReport;
  /** Number of queries (rows of `embeddings` or length of `cellIds`). */
  readonly n: number;
  /** Reference cell ids whose stored vectors are the queries. */
  readonly cellIds?: readonly string[];
  /** Short level name (system|lineage|type|subtype) or level column, exactly; picks the prefix. */
  readonly level?: string;
  /** Explicit prefix j (1..S); alternative to `level`. Default: the finest prefix. */
  readonly prefix?: number;
  /** Search the original-embedding index instead (needs `--with-original`); level/prefix then ignored. */
  readonly original?: boolean;
  /** Neighbours per query, integer in 1..INDEX_MAX_K. */
  readonly k: number;
  readonly filter?: SearchFilter;
  /** Drop hits whose cosine distance is larger than this (SCimilarity's `max_dist`). */
  readonly maxDist?: number;
  /** Search once with the normalised mean of all n queries (SCimilarity's centroid search). */
  readonly centroid?: boolean;
  /** HNSW search beam (expansion_search) for this request; default the manifest's. Effective beam: max(ef, k). */
  readonly ef?: number;
  /** Add the hit counts per label at every level to each result. */
  readonly summary?: boolean;
}

/** One neighbour in the reference: its id, distance, label at every level column, and CL id. */
export type SearchHit = {
  readonly cell_id: string;
  /** Cosine distance (1 − cos) in the searched prefix space. */
  readonly distance: number;
} & { readonly [C in LevelColumn]: string } & {
  /** Cell Ontology id of the subtype, null where the atlas has none. */
  readonly cl_id: string | null;
};

/** Hit counts per label, per level column. */
export type LabelSummary = Record<LevelColumn, Record<string, number>>;

/** Results for one query (or for the centroid). */
export interface SearchQueryResult {
  /** Nearest first; at most k, fewer when maxDist or the filter leaves fewer. */
  readonly hits: SearchHit[];
  readonly summary?: LabelSummary;
}

/**
 * Where a request's time went. `adapterMs`, `searchMs` (and `voteMs`) are worker time summed over the
 * request's chunks, so with several workers in parallel they can exceed `totalMs`, the wall time.
 */
export interface SearchTimings {
  /** Expression encoder time (0 for embedding and cell-id queries; fakes may leave it out). */
  readonly encoderMs?: number;
  readonly adapterMs: number;
  readonly searchMs: number;
  readonly totalMs: number;
}

export interface SearchResult {
  /** The level column searched, null when the query gave a prefix (or original). */
  readonly level: LevelColumn | null;
  /** Prefix j searched; 0 for the original-embedding index. */
  readonly prefix: number;
  readonly dims: number;
  readonly k: number;
  /** One entry per query, or exactly one with `centroid`. */
  readonly results: SearchQueryResult[];
  readonly timings: SearchTimings;
}

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

/** {@link AtlasIndexService.searchJson}'s answer. */
export interface SerializedSearchResult {
  /** JSON text of the SearchResult in pieces (one per job). */
  readonly parts: readonly string[];
  readonly json: string;
  readonly n: number;
  readonly level: LevelColumn | null;
  readonly prefix: number;
  readonly timings: SearchTimings;
}

/** One level the index serves. */
export interface LevelInfo {
  readonly column: LevelColumn;
  /** Short name used by the API (`system`). */
  readonly name: string;
  readonly prefix: number;
  readonly dims: number;
}

/** `/v1/info`: what the index serves, and how it was built. */
export interface InfoResult {
  readonly format_version: number;
  readonly num_cells: number;
  readonly input_dim: number;
  readonly num_scales: number;
  readonly scale_dim: number;
  readonly levels: readonly LevelInfo[];
  readonly prefixes: readonly { readonly prefix: number; readonly dims: number; readonly vectors: number }[];
  readonly original: { readonly dims: number; readonly vectors: number } | null;
  /** Labels per level column. */
  readonly vocabularies: Readonly<Record<LevelColumn, readonly string[]>>;
  /** Cells per label, per level column. */
  readonly label_counts: Readonly<Record<LevelColumn, Readonly<Record<string, number>>>>;
  readonly out_of_reference_distance: number;
  readonly adapter: IndexManifest['adapter'];
  /** The expression encoder of the build, and whether this server loaded it (counts queries need it). */
  readonly encoder?: (NonNullable<IndexManifest['encoder']> & { readonly loaded: boolean }) | null;
  readonly build: {
    readonly created_at: string;
    readonly build_seconds: number;
    readonly metric: IndexMetric;
    readonly quantization: Quantization;
    readonly connectivity: number;
    readonly expansion_add: number;
    readonly expansion_search: number;
    readonly atlas: IndexManifest['atlas'];
  };
  readonly workers: number;
  readonly threads_per_worker: number;
}

/**
 * An opened index folder plus its adapter. Every method validates its input and throws AtlasError:
 * wrong_dimension, non_finite, unknown_level (message lists the allowed levels), unknown_label,
 * k_out_of_range, unknown_cell_id, invalid_request, not_ready (after close).
 */
export interface AtlasIndexService {
  readonly manifest: IndexManifest;
  /** The loaded expression encoder's genes (to align request counts), or null when counts are not served. */
  readonly expression?: ExpressionModel | null;
  info(): InfoResult;
  /** True once every worker has opened the indexes and the adapter, until close(). */
  ready(): boolean;
  search(query: SearchQuery): Promise<SearchResult>;
  annotate(query: AnnotateQuery): Promise<AnnotateResult>;
  /**
   * `annotate` with the result already serialised: `json` is exactly `JSON.stringify` of the AnnotateResult.
   * The cells are serialised in the workers, so a 10,000-cell response costs the main thread one string
   * join instead of building and stringifying ~10⁶ objects. Optional: fakes may leave it out.
   */
  annotateJson?(query: AnnotateQuery): Promise<SerializedAnnotateResult>;
  /** `search` serialised in the workers, as {@link annotateJson}. Optional: fakes may leave it out. */
  searchJson?(query: SearchQuery): Promise<SerializedSearchResult>;
  close(): Promise<void>;
}

export interface OpenAtlasIndexOptions {
  /** Adapter ONNX file, or "identity" for an index built with the identity adapter. Hash must match. */
  readonly adapterPath: string;
  /** Expression encoder ONNX the index was built with (`build --encoder`; hash must match): serves counts. */
  readonly encoderPath?: string;
  /** Worker threads running adapter + searches; 0 runs everything in-process (tests). Default 2. */
  readonly workers?: number;
  /** usearch / onnxruntime threads inside each worker. Default 1. */
  readonly threadsPerWorker?: number;
  /** Checks before serving (see {@link VerifyMode}). Default `full`. */
  readonly verify?: VerifyMode;
}

/** The expression model a service serves: its gene order, for aligning counts at the boundary. */
export interface ExpressionModel {
  readonly genes: GeneIndex;
  readonly numGenes: number;
  readonly latentDim: number;
  readonly file: string;
}
