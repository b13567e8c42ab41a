/**
 * The service contract of the search module: what the HTTP server calls (`openAtlasIndex` →
 * {@link AtlasIndexService}). The requests and answers it passes are in search-types.ts and annotate-types.ts.
 */
import type { LevelColumn } from '../common/index.js';
import type { BeamEntry, BeamTable, IndexManifest, IndexMetric, Quantization, VerifyMode } from '../index-files/index.js';
import type { GeneIndex } from '../adapter/index.js';
import type { AnnotateQuery, AnnotateResult, SerializedAnnotateResult } from './annotate-types.js';
import type { SearchQuery, SearchResult, SerializedSearchResult } from './search-types.js';

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
    /** Calibrated beams per prefix and k (searches without `ef`), or null: `expansion_search` for all. */
    readonly beams: { readonly recall_target: number; readonly queries: BeamTable['queries']; readonly sample: number; readonly entries: readonly BeamEntry[] } | null;
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
  /**
   * Keep one worker free of any single request, for whatever arrives next (default true: a server's
   * one-cell searches never wait behind a big annotate). A batch job that is the only client (the
   * `annotate` command) passes false, so its chunks run on every worker.
   */
  readonly keepWorkerFree?: boolean;
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
