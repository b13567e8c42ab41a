/**
 * The 2-D layout of the map sample: UMAP (umap-js) over a precomputed kNN graph, with a seeded RNG so that
 * the same sample always gives the same picture. Pure apart from yielding to the event loop between epochs.
 */
import { UMAP } from 'umap-js';
import { createRng } from '../common/index.js';

/** The sample's nearest neighbours, row-major n × k, each row's own point excluded. */
export interface NeighbourGraph {
  readonly n: number;
  readonly k: number;
  /** Positions in the sample (0..n−1). */
  readonly indices: Int32Array;
  /** Distances (any metric; UMAP only compares them within a row). */
  readonly distances: Float32Array;
}

/** Options of {@link layoutUmap}. */
export interface LayoutOptions {
  readonly seed: number;
  /** UMAP's min_dist (default 0.1). */
  readonly minDist?: number;
  /** Optimisation epochs (default umap-js's own: 200 from 7,500 points up, more below). */
  readonly epochs?: number;
  /** Called with (epochs done, total) every few epochs. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** The layout: `xy` row-major n × 2, scaled into the unit square (centred, aspect kept). */
export interface LayoutResult {
  readonly xy: Float32Array;
  readonly epochs: number;
}

/** Lays out `graph.n` points in 2-D; throws a RangeError when there are too few points for the graph. */
export async function layoutUmap(graph: NeighbourGraph, options: LayoutOptions): Promise<LayoutResult> {
  const { n, k } = graph;
  if (n <= k) throw new RangeError(`a layout needs more points (${n}) than neighbours per point (${k})`);
  const knnIndices: number[][] = [];
  const knnDistances: number[][] = [];
  for (let i = 0; i < n; i++) {
    knnIndices.push(Array.from(graph.indices.subarray(i * k, (i + 1) * k)));
    knnDistances.push(Array.from(graph.distances.subarray(i * k, (i + 1) * k)));
  }
  const rng = createRng(options.seed);
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: k,
    minDist: options.minDist ?? 0.1,
    nEpochs: options.epochs,
    random: () => rng.uniform(),
  });
  umap.setPrecomputedKNN(knnIndices, knnDistances);
  // umap-js reads only the number of rows of X once the kNN graph is given.
  const epochs = umap.initializeFit(Array.from({ length: n }, () => [0]));
  for (let e = 0; e < epochs; e++) {
    umap.step();
    if (e % 10 === 9 || e === epochs - 1) {
      options.onProgress?.(e + 1, epochs);
      await new Promise((r) => setImmediate(r));
    }
  }
  return { xy: scaleToUnitSquare(umap.getEmbedding()), epochs };
}

/** Centres the points in [0, 1]² with the longer side spanning it. */
function scaleToUnitSquare(points: number[][]): Float32Array {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const [x, y] of points) {
    minX = Math.min(minX, x!);
    maxX = Math.max(maxX, x!);
    minY = Math.min(minY, y!);
    maxY = Math.max(maxY, y!);
  }
  const span = Math.max(maxX - minX, maxY - minY) || 1;
  const offX = (1 - (maxX - minX) / span) / 2;
  const offY = (1 - (maxY - minY) / span) / 2;
  const xy = new Float32Array(points.length * 2);
  points.forEach(([x, y], i) => {
    xy[2 * i] = offX + (x! - minX) / span;
    xy[2 * i + 1] = offY + (y! - minY) / span;
  });
  return xy;
}
