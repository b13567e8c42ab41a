/** Opens an index folder and serves kNN search and annotation by kNN vote, in worker threads. */
export { openAtlasIndex, searchChunkRows } from './service.js';
export type { OpenHooks } from './service.js';
export { tallyVotes, voteLevel, MIN_WEIGHT_DISTANCE } from './vote.js';
export { callConsistentLevels } from './hierarchy-call.js';
export { createRequestSchemas } from './request-schema.js';
export type { RequestLimits, RequestSchemas } from './request-schema.js';
export { GeneMatchResponse, MAX_REQUEST_GENES } from './expression-field.js';
export type { ExpressionLimits } from './expression-field.js';
export { UNASSIGNED } from './types.js';
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
  SerializedSearchResult,
  Weighting,
} from './types.js';
