/** Evaluation: k-NN accuracy of embeddings against hierarchy labels. */
export { evaluateKnnAccuracy, findCosineNeighbors, scoreCodes, voteNeighbors } from './knn-accuracy.js';
export type { KnnAccuracyOptions, KnnAccuracyResult, LevelCodes, LevelKnnScore, NeighborTable } from './knn-accuracy.js';
