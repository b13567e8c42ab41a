/** Batch annotation of files (`fractal-atlas annotate`): inputs through the import readers, outputs as CSV/TSV/Parquet and .h5ad obs. */
export { COUNTS_BLOCK_ROWS, INPUT_BLOCK_ROWS, runAnnotate } from './run-annotate.js';
export type { RunAnnotateOptions, RunAnnotateResult } from './run-annotate.js';
export { annotateInputFormat, openAnnotateInput } from './input.js';
export { matchCountsInput, openCountsFile } from './counts-input.js';
export type { CountsInput, CountsInputBlock, CountsInputOptions } from './counts-input.js';
export type { AnnotateInput, AnnotateInputFormat, AnnotateInputOptions, InputBlock } from './input.js';
export { annotateOutputFormat, createAnnotationWriter, formatAnnotationRows } from './output.js';
export type { AnnotateOutputFormat, AnnotationWriter } from './output.js';
export { writeH5adWithObs } from './h5ad-obs.js';
export { formatTruthReport, scoreTruth } from './truth.js';
export type { TruthLevelScore, TruthReport } from './truth.js';
