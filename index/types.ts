/**
 * The service contract of the index module: what `fractal-atlas build` writes (the manifest) and what the
 * HTTP server calls (`openAtlasIndex` → {@link AtlasIndexService}). Result objects are already in the JSON
 * shape of the API (snake_case fields), so the server can return them as they are.
 */
import type { LevelColumn } from '../ontology/index.js';

/** Version of the on-disk index layout; `openAtlasIndex` refuses any other. */
export const INDEX_FORMAT_VERSION = 3;

/**
 * usearch metric of an index. Every stored and query vector is L2-normalised, so inner product gives the same
 * distance as cosine (1 − cos) without recomputing both norms per distance (about 1.5× faster searches and
 * builds, BENCHMARKS.md). usearch's i8 kernels give inner-product distances on the int8 scale, so i8 indexes
 * keep `cos`.
 */
export type IndexMetric = 'ip' | 'cos';

/** The metric an index of this quantization uses. */
export function metricFor(quantization: Quantization): IndexMetric {
  return quantization === 'i8' ? 'cos' : 'ip';
}

/** Largest k the index accepts (the server applies its own, tighter limits on top). */
export const INDEX_MAX_K = 10_000;

/** Scalar type of the vectors stored in the usearch indexes. */
export type Quantization = 'f32' | 'f16' | 'i8';

/** Vote weighting: every neighbour counts 1, or 1/distance (SCimilarity's `weighting=True`). */
export type Weighting = 'uniform' | 'distance';

/** Label assigned at a level whose confidence is below `minConfidence` (or whose vote is empty). */
export const UNASSIGNED = 'unassigned';

/** One usearch index file of the build. */
export interface IndexFileEntry {
  /** Prefix length j (1..S); 0 for the index over the original embeddings. */
  readonly prefix: number;
  /** File name inside the index folder. */
  readonly file: string;
  /** Vector dimensions (j·d, or the input dim for the original index). */
  readonly dims: number;
  /** Number of vectors in the index (= manifest.numCells). */
  readonly vectors: number;
  /** File size in bytes, checked at open. */
  readonly bytes: number;
  /** xxh64 of the file (16 hex digits), checked by `--verify full`. */
  readonly xxh64: string;
}

/** A plain data file of the build (labels, cell ids, stored vectors), checked at open by size and checksum. */
export interface DataFileEntry {
  readonly file: string;
  readonly bytes: number;
  /** xxh64 of the file (16 hex digits). */
  readonly xxh64: string;
}

/**
 * How much `openAtlasIndex` (and `fractal-atlas verify`) checks before serving:
 *  - `none`: the manifest's schema and every file's size (the floor: a truncated file never reaches usearch);
 *  - `quick`: also the usearch file headers (vector count, dims, magic), the cell-id offsets and hash directory
 *    (monotone, in range) and every label code (inside its vocabulary): reads ~30 bytes per cell;
 *  - `full`: also the xxh64 checksum of every file against the manifest (reads every byte).
 */
export type VerifyMode = 'none' | 'quick' | 'full';
export const VERIFY_MODES: readonly VerifyMode[] = ['none', 'quick', 'full'];

/** `manifest.json` of an index folder: everything needed to open, verify and describe the build. */
export interface IndexManifest {
  readonly format: 'fractal-atlas-index';
  readonly formatVersion: number;
  /** ISO time the build finished. */
  readonly createdAt: string;
  readonly buildSeconds: number;
  /** Reference cells (rows of the atlas). */
  readonly numCells: number;
  /** Dimension of the embeddings the adapter takes (and the atlas stores). */
  readonly inputDim: number;
  /** Number of scales S of the adapter output (1 for the identity adapter). */
  readonly numScales: number;
  /** Dims d of one scale block; prefix j has j·d dims. */
  readonly scaleDim: number;
  /** Level columns the adapter was trained on, coarse to fine: the levels search and annotate accept. */
  readonly levelColumns: readonly LevelColumn[];
  /** Level column → prefix j that serves it. An identity adapter maps every level to prefix 1. */
  readonly levelPrefix: Readonly<Partial<Record<LevelColumn, number>>>;
  /** One index per prefix j = 1..S, in order. */
  readonly prefixes: readonly IndexFileEntry[];
  /** Optional index over the original (input) embeddings, `--with-original`. */
  readonly original: IndexFileEntry | null;
  /** usearch metric of the files (see {@link metricFor}); distances are cosine distances either way. */
  readonly metric: IndexMetric;
  readonly quantization: Quantization;
  readonly connectivity: number;
  readonly expansionAdd: number;
  readonly expansionSearch: number;
  readonly adapter: {
    /** sha256 of the adapter file (of the string "identity" for the identity adapter). */
    readonly sha256: string;
    readonly identity: boolean;
    /** Base name of the adapter file at build time (informative). */
    readonly file: string;
    /** The adapter's own metadata as it reported it (informative). */
    readonly metadata?: Readonly<Record<string, unknown>>;
  };
  readonly atlas: {
    readonly sha256: string;
    /** Base name of the atlas file at build time (informative). */
    readonly file: string;
    readonly bytes: number;
  };
  /** Per level column, every label of the atlas (codes in `labels.bin` index into these). */
  readonly vocabularies: Readonly<Record<LevelColumn, readonly string[]>>;
  /** Cell Ontology ids (codes in `labels.bin` index into this); empty when the atlas has none. */
  readonly clIdVocabulary: readonly string[];
  /** Cells per label, per level column (same order as the vocabularies). */
  readonly labelCounts: Readonly<Record<LevelColumn, readonly number[]>>;
  /**
   * The atlas's level table: each distinct (level1..level4) code tuple that occurs, as `[c1, c2, c3, c4]`.
   * The hierarchy-consistent call picks children through it.
   */
  readonly levelTable: readonly (readonly number[])[];
  /**
   * Cosine distance above which a query cell's nearest reference neighbour marks it out of reference:
   * the 99th percentile of leave-one-out nearest-neighbour distances of a reference sample at the finest
   * prefix, measured at build time.
   */
  readonly outOfReferenceDistance: number;
  /** Columnar label / id / vector files. */
  readonly files: {
    readonly labels: DataFileEntry;
    readonly cellIds: DataFileEntry;
    readonly cellIdOffsets: DataFileEntry;
    readonly cellIdHash: DataFileEntry;
    /** Full adapter outputs, f32 `numCells × S·d` (cell-id queries, exact filtered fallback). */
    readonly vectors: DataFileEntry;
    /** Original embeddings, f32 `numCells × inputDim`, only with `--with-original`. */
    readonly originalVectors: DataFileEntry | null;
  };
}

/** Include / exclude labels per level. Keys are short level names (`system`) or level columns. */
export interface SearchFilter {
  /** A cell must have, at every level given, one of the listed labels. */
  readonly include?: Readonly<Record<string, readonly string[]>>;
  /** A cell must have, at every level given, none of the listed labels. */
  readonly exclude?: Readonly<Record<string, readonly string[]>>;
}

/** One `/v1/search` request. Give either `embeddings` (n × inputDim) or `cellIds` (n ids). */
export interface SearchQuery {
  /** Row-major n × inputDim query embeddings (raw model space, before the adapter). */
  readonly embeddings?: Float32Array;
  /** Number of queries (rows of `embeddings` or length of `cellIds`). */
  readonly n: number;
  /** Reference cell ids whose stored vectors are the queries. */
  readonly cellIds?: readonly string[];
  /** Short level name (system|lineage|type|subtype) or level column; picks the prefix. */
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
  /** Add the hit counts per label at every level to each result. */
  readonly summary?: boolean;
}

/** One neighbour in the reference. */
export interface SearchHit {
  readonly cell_id: string;
  /** Cosine distance (1 − cos) in the searched prefix space. */
  readonly distance: number;
  readonly level1_system: string;
  readonly level2_lineage: string;
  readonly level3_type: string;
  readonly level4_subtype: string;
  /** Cell Ontology id of the subtype, null where the atlas has none. */
  readonly cl_id: string | null;
}

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
  /** Row-major n × inputDim embeddings. */
  readonly embeddings: Float32Array;
  readonly n: number;
  /** Neighbours per cell and level. */
  readonly k: number;
  readonly weighting: Weighting;
  /** Levels whose confidence (vsAll, weighted when weighting = distance) is below this become "unassigned". */
  readonly minConfidence?: number;
  readonly filter?: SearchFilter;
  /** Override of the manifest's out-of-reference distance. */
  readonly outOfReferenceDistance?: number;
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
  readonly cells: CellAnnotation[];
  readonly timings: AnnotateTimings;
}

/** {@link AtlasIndexService.annotateJson}'s answer. */
export interface SerializedAnnotateResult {
  /** JSON text of the AnnotateResult. */
  readonly json: string;
  readonly n: number;
  readonly timings: AnnotateTimings;
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
  close(): Promise<void>;
}

export interface OpenAtlasIndexOptions {
  /** Adapter ONNX file, or "identity" for an index built with the identity adapter. Hash must match. */
  readonly adapterPath: string;
  /** Worker threads running adapter + searches; 0 runs everything in-process (tests). Default 2. */
  readonly workers?: number;
  /** usearch / onnxruntime threads inside each worker. Default 1. */
  readonly threadsPerWorker?: number;
  /** Checks before serving (see {@link VerifyMode}). Default `full`. */
  readonly verify?: VerifyMode;
}

export interface BuildAtlasIndexOptions {
  readonly referencePath: string;
  /** Adapter ONNX file, or "identity". */
  readonly adapterPath: string;
  readonly outDir: string;
  readonly quantization?: Quantization;
  readonly connectivity?: number;
  readonly expansionAdd?: number;
  readonly expansionSearch?: number;
  readonly withOriginal?: boolean;
  /** usearch add threads and adapter threads; default: available cores. */
  readonly threads?: number;
  /** Replace an existing index folder. */
  readonly overwrite?: boolean;
  /** Abort the build (tests of crash safety). */
  readonly signal?: AbortSignal;
}

export interface BuildAtlasIndexResult {
  readonly outDir: string;
  readonly manifest: IndexManifest;
  readonly seconds: number;
  /** Vectors added per second over all prefix indexes (whole build time). */
  readonly vectorsPerSecond: number;
  /** Seconds per phase: hashing inputs, pass 1 (adapter + labels + ids), each index add, calibration. */
  readonly phases: Readonly<Record<string, number>>;
}
