/** Opens an index folder and serves kNN search and annotation by kNN vote, in worker threads. */
export { openAtlasIndex, ANNOTATE_CHUNK, SEARCH_CHUNK } from './service.js';
export type { OpenHooks } from './service.js';
export { EXACT_SUBSET_ROWS, OVERSAMPLE_MAX_K } from './filtered-search.js';
export { tallyVotes, voteLevel, MIN_WEIGHT_DISTANCE } from './vote.js';
export { callConsistentLevels } from './hierarchy-call.js';
export { createRequestSchemas, DEFAULT_ANNOTATE_K, DEFAULT_SEARCH_K } from './request-schema.js';
export type { RequestLimits, RequestSchemas } from './request-schema.js';
export { GeneMatchResponse, MAX_REQUEST_GENES } from './expression-field.js';
export type { ExpressionLimits } from './expression-field.js';
export { INDEX_MAX_K, UNASSIGNED, WEIGHTINGS } from './types.js';
export type {
  AnnotateQuery,
  AnnotateResult,
  AnnotateTimings,
  AtlasIndexService,
  CellAnnotation,
  ExpressionModel,
  ConsistentLevel,
  InfoResult,
  LabelSummary,
  LevelInfo,
  LevelVote,
  OpenAtlasIndexOptions,
  SearchFilter,
  SearchHit,
  SearchQuery,
  SearchQueryResult,
  SearchResult,
  SearchTimings,
  SerializedAnnotateResult,
  Weighting,
} from './types.js';
