/** Evaluation: k-NN accuracy of embeddings against hierarchy labels. */
export { evaluateKnnAccuracy, findCosineNeighbors, scoreCodes, voteNeighbors } from './knn-accuracy.js';
export type { KnnAccuracyOptions, KnnAccuracyResult, LevelKnnScore } from './knn-accuracy.js';
export { cosineSilhouette, percentile, recallAtK, steerability } from './metrics.js';
export type { SteerabilityInput } from './metrics.js';
export { evaluateFractalTable } from './fractal-table.js';
export type { FractalTableInput, FractalTableResult } from './fractal-table.js';
export { indexRowName, majorityLabel, runIndexEvaluation, selectHits } from './index-eval.js';
export type { IndexEvaluationOptions, IndexEvaluationReport } from './index-eval.js';
export { formatFractalTable, formatIndexEvaluation } from './report.js';
export { runEvaluation } from './run-eval.js';
export type { EvaluationReport, RunEvaluationOptions } from './run-eval.js';
export { chooseSampleRows, sampleAtlas } from './sample.js';
