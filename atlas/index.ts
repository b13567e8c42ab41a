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
