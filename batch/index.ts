/** Batch annotation of files (`fractal-atlas annotate`): inputs through the import readers, outputs as CSV/TSV/Parquet and .h5ad obs. */
export { COUNTS_BLOCK_ROWS, INPUT_BLOCK_ROWS, runAnnotate } from './run-annotate.js';
export type { RunAnnotateOptions, RunAnnotateResult } from './run-annotate.js';
export { formatTruthReport } from './truth.js';
export type { TruthLevelScore, TruthReport } from './truth.js';
