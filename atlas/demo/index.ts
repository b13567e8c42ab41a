/** The demo atlas: a calibrated synthetic stand-in for SCimilarity's reference over real CL cell types. */
export { DEMO_TABLE_COLUMNS, loadCellTypeTable, parseCellTypeTable } from './cell-types.js';
export type { DemoCellType } from './cell-types.js';
export { DEFAULT_DEMO_PARAMS, DEMO_SYSTEM_PROPORTIONS, createDemoModel } from './model.js';
export type { DemoModel, DemoModelParams } from './model.js';
export { CELL_BLOCK, createDemoGenerator, demoCellId } from './generate.js';
export type { DemoCellTruth, DemoChunk, DemoGenerator } from './generate.js';
export { sampleRoundRobin } from './sample.js';
export { defaultDemoWorkers, formatDemoAtlasSummary, writeDemoAtlas } from './write.js';
export type { WriteDemoAtlasOptions, WriteDemoAtlasResult } from './write.js';
