/** Opens an index folder and serves kNN search and annotation by kNN vote, in worker threads. */
export { openAtlasIndex, searchChunkRows } from './service.js';
export type { OpenHooks } from './service.js';
export { tallyVotes, voteLevel, MIN_WEIGHT_DISTANCE } from './vote.js';
export { callConsistentLevels } from './hierarchy-call.js';
export { createRequestSchemas, DEFAULT_ANNOTATE_K } from './request-schema.js';
export type { RequestLimits, RequestSchemaOptions, RequestSchemas } from './request-schema.js';
export { GeneMatchResponse } from './expression-field.js';
export type { ExpressionLimits } from './expression-field.js';
export { ARROW_STREAM_TYPE, decodeArrowBody, optionsFromQuery } from './arrow-request.js';
export type { ArrowRequestBody, EmbeddingMatrix } from './arrow-request.js';
export { annotationTable, createAnnotationTableBuilder, searchTable, sliceUtf8, utf8Column } from './arrow-tables.js';
export type { AnnotationTableBuilder, TableMetadata, Utf8Column } from './arrow-tables.js';
export {
  CELL_FIELDS,
  LABEL_FIELDS,
  LEVEL_FIELDS,
  annotationColumnNames,
  concatAnnotationColumns,
  labelDictionary,
  levelFieldName,
} from './annotation-columns.js';
export type { AnnotationColumns, LevelColumns, LevelField } from './annotation-columns.js';
export { annotateBatches, annotateToColumns, sumTimings } from './annotate-batches.js';
export type { AnnotatedBatch, AnnotateToColumnsOptions, AnnotateToColumnsResult, ColumnAnnotator } from './annotate-batches.js';
export { UNASSIGNED, ANNOTATE_PLANS, DEFAULT_ANNOTATE_PLAN } from './annotate-types.js';
export { DEFAULT_SEARCH_PLAN, INDEX_MAX_K, SEARCH_PLANS } from './search-types.js';
export type {
  AnnotatePlan,
  AnnotateQuery,
  AnnotateResult,
  AnnotateTimings,
  CellAnnotation,
  ConsistentLevel,
  LevelVote,
  SerializedAnnotateResult,
  Weighting,
} from './annotate-types.js';
export type {
  LabelSummary,
  SearchFilter,
  SearchHit,
  SearchPlan,
  SearchQuery,
  SearchQueryResult,
  SearchResult,
  SearchTimings,
  SerializedSearchResult,
} from './search-types.js';
export type {
  AtlasIndexService,
  ExpressionModel,
  InfoResult,
  LevelInfo,
  OpenAtlasIndexOptions,
} from './service-types.js';
