/** Vector indexes: build one usearch index per prefix, open/verify them, search and annotate by kNN vote. */
export { buildAtlasIndex, BUILD_DEFAULTS } from './build.js';
export type { BuildHooks } from './build.js';
export { openAtlasIndex, ANNOTATE_CHUNK, SEARCH_CHUNK } from './service.js';
export type { OpenHooks } from './service.js';
export { IDENTITY_ADAPTER, createIdentityAdapter, openEmbeddingAdapter } from './adapter-port.js';
export type { EmbeddingAdapter, OpenAdapterOptions } from './adapter-port.js';
export { readManifest, INDEX_FILES } from './manifest.js';
export { checksumFile, checkVerifyMode, verifyIndex } from './integrity.js';
export type { VerifyIndexOptions, VerifyResult } from './integrity.js';
export { EXACT_SUBSET_ROWS, OVERSAMPLE_MAX_K } from './filtered-search.js';
export { tallyVotes, voteLevel, MIN_WEIGHT_DISTANCE } from './vote.js';
export { callConsistentLevels } from './hierarchy-call.js';
export { INDEX_FORMAT_VERSION, INDEX_MAX_K, UNASSIGNED, VERIFY_MODES, metricFor } from './types.js';
export type {
  AnnotateQuery,
  AnnotateResult,
  AnnotateTimings,
  AtlasIndexService,
  BuildAtlasIndexOptions,
  BuildAtlasIndexResult,
  CellAnnotation,
  ConsistentLevel,
  DataFileEntry,
  IndexFileEntry,
  IndexManifest,
  InfoResult,
  LabelSummary,
  LevelInfo,
  LevelVote,
  OpenAtlasIndexOptions,
  Quantization,
  IndexMetric,
  SearchFilter,
  SearchHit,
  SearchQuery,
  SearchQueryResult,
  SearchResult,
  SearchTimings,
  SerializedAnnotateResult,
  VerifyMode,
  Weighting,
} from './types.js';
