/** The atlas file (Parquet/Arrow): schema, row-group reader, streamed writer, ingest and stratify. */
export { openAtlas } from './reader.js';
export type { AtlasReader, AtlasLevelBatch } from './reader.js';
export { createAtlasWriter, DEFAULT_ROW_GROUP_SIZE } from './writer.js';
export type { AtlasWriter, AtlasWriterOptions } from './writer.js';
export { CELL_ID_COLUMN, CL_ID_COLUMN, EMBEDDING_COLUMN } from './schema.js';
export { MISSING_CL_ID } from './arrow-columns.js';
export type { AtlasBatch, AtlasBatchInput, EncodedColumn } from './types.js';
export { LEVEL_COLUMNS } from '../ontology/index.js';
export type { LevelColumn } from '../ontology/index.js';
export { ingestScimilarity, buildLabelLevelMap } from './ingest.js';
export type { IngestOptions, IngestResult } from './ingest.js';
export { openHnswlibFile, parseHnswHeader } from './hnswlib-file.js';
export type { HnswHeader, HnswlibFile } from './hnswlib-file.js';
export { locateScimilarityFiles, parseLabelInts, readReferenceLabels } from './scimilarity-files.js';
export type { ScimilarityFiles, ReferenceLabels } from './scimilarity-files.js';
export { createSummaryCounter, formatSummary } from './summary.js';
export type { AtlasSummary, SummaryCounter } from './summary.js';
export {
  CELL_BLOCK,
  DEFAULT_DEMO_PARAMS,
  DEMO_SYSTEM_PROPORTIONS,
  DEMO_TABLE_COLUMNS,
  createDemoGenerator,
  createDemoModel,
  defaultDemoWorkers,
  demoCellId,
  formatDemoAtlasSummary,
  loadCellTypeTable,
  parseCellTypeTable,
  sampleRoundRobin,
  writeDemoAtlas,
} from './demo/index.js';
export type { DemoCellTruth, DemoCellType, DemoChunk, DemoGenerator, DemoModel, DemoModelParams, WriteDemoAtlasOptions, WriteDemoAtlasResult } from './demo/index.js';
export { stratifyAtlas } from './stratify.js';
export type { StratifyOptions, StratifyResult } from './stratify.js';
export { createRng, inversePermutation, roundRobinOrder } from './stratify-order.js';
export { exitCleanlyOnSignals } from './temp-files.js';
export { importAtlas, importFormatOf, MAX_X_WIDTH, openCounts, openH5adCounts, openTenxCounts, parseNpyHeader, splitFields } from './import/index.js';
export type { CountsBlock, CountsMatrix, H5adCounts, OpenH5adCountsOptions } from './import/index.js';
export type { ImportFormat, ImportOptions, ImportResult, LabelSpec } from './import/index.js';
