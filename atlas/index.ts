/** The atlas file (Parquet/Arrow): schema, row-group reader, streamed writer, ingest and stratify. */
export { openAtlas } from './reader.js';
export { CELL_ID_COLUMN } from './schema.js';
export type { AtlasReader, AtlasLevelBatch } from './reader.js';
export { createAtlasWriter, DEFAULT_ROW_GROUP_SIZE } from './writer.js';
export { ParquetStream } from './parquet-stream.js';
export type { AtlasWriter, AtlasWriterOptions } from './writer.js';
export { COMPRESSIONS } from './parquet-stream.js';
export type { Compression } from './parquet-stream.js';
export type { AtlasBatch, AtlasBatchInput, EncodedColumn } from './types.js';
export { ingestScimilarity } from './ingest.js';
export type { IngestOptions, IngestResult } from './ingest.js';
export { openHnswlibFile } from './hnswlib-file.js';
export type { HnswlibFile } from './hnswlib-file.js';
export { parseLabelInts, readReferenceLabels } from './scimilarity-files.js';
export type { ReferenceLabels } from './scimilarity-files.js';
export { createSummaryCounter, formatSummary } from './summary.js';
export type { AtlasSummary } from './summary.js';
export {
  createDemoGenerator,
  createDemoModel,
  defaultDemoWorkers,
  demoCellId,
  describeDemoGenerator,
  formatDemoAtlasSummary,
  loadCellTypeTable,
  parseCellTypeTable,
  writeDemoAtlas,
} from './demo/index.js';
export type {
  DemoCellType,
  DemoGenerator,
  DemoModel,
  DemoModelParams,
  WriteDemoAtlasOptions,
  WriteDemoAtlasResult,
} from './demo/index.js';
export { stratifyAtlas } from './stratify.js';
export type { StratifyOptions, StratifyResult } from './stratify.js';
export { inversePermutation, roundRobinOrder } from './stratify-order.js';
export { exitCleanlyOnSignals, trackTemp, untrackTemp } from './temp-files.js';
export { importAtlas, matrixFormatOf, loadH5wasm, MAX_X_WIDTH, openCounts, openDelimitedSource, openH5adSource, openNpyMatrix, parseNpyHeader, readTableObs, splitFields } from './import/index.js';
export type { CountsBlock, CountsMatrix, H5adCounts, OpenH5adCountsOptions } from './import/index.js';
export type { H5adMatrix, ImportFormat, ImportOptions, ImportResult, ImportSource, LabelSpec, MatrixSource, ObsSource, SourceColumn } from './import/index.js';
