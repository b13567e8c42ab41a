/**
 * What a `/v1/search` request asks and what it gets back. Result objects are already in the JSON shape of the
 * API (snake_case fields), so the server can return them as they are.
 */
import type { LevelColumn } from '../common/index.js';
import type { AlignedCounts, GeneReport } from '../adapter/index.js';

/** Largest k the index accepts (the server applies its own, tighter limits on top). */
export const INDEX_MAX_K = 10_000;

/** Largest per-request search beam (`ef`). */
export const MAX_SEARCH_EF = 4096;

/**
 * How `/v1/search` finds the k neighbours at a prefix: `hnsw` = the prefix's own HNSW index; `funnel` = a
 * shortlist of FUNNEL_SHORTLIST_FACTOR·k from the shortest prefix's index, reranked by exact cosine at the
 * requested prefix from the stored vectors (recall and speed of both: BENCHMARKS.md).
 */
export const SEARCH_PLANS = ['hnsw', 'funnel'] as const;
export type SearchPlan = (typeof SEARCH_PLANS)[number];
export const DEFAULT_SEARCH_PLAN: SearchPlan = 'hnsw';

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
  /** HNSW search beam for this request; default the index's calibrated beam for the prefix and k. Effective beam: max(ef, k). */
  readonly ef?: number;
  /** Add the hit counts per label at every level to each result. */
  readonly summary?: boolean;
  /** How the neighbours are found (default `hnsw`); see {@link SEARCH_PLANS}. */
  readonly plan?: SearchPlan;
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
