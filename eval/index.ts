/** Evaluation: k-NN accuracy of embeddings against hierarchy labels. */
export { evaluateKnnAccuracy, findCosineNeighbors, scoreCodes, voteNeighbors } from './knn-accuracy.js';
export type { KnnAccuracyOptions, KnnAccuracyResult, LevelCodes, LevelKnnScore, NeighborTable } from './knn-accuracy.js';
export { cosineSilhouette, percentile, recallAtK, steerability } from './metrics.js';
export type { SteerabilityInput } from './metrics.js';
export { evaluateFractalTable } from './fractal-table.js';
export type { EmbeddingRow, FractalTableInput, FractalTableResult, LevelScore } from './fractal-table.js';
export { indexRowName, majorityLabel, runIndexEvaluation, selectHits } from './index-eval.js';
export type { IndexEvalRow, IndexEvaluationOptions, IndexEvaluationReport, IndexLevelScore } from './index-eval.js';
export { formatFractalTable, formatIndexEvaluation, renderScoreRows, renderTable } from './report.js';
export { openEvalAdapter, runEvaluation } from './run-eval.js';
export type { EvaluationReport, RunEvaluationOptions } from './run-eval.js';
export { chooseSampleRows, sampleAtlas } from './sample.js';
export type { AtlasSample } from './sample.js';
