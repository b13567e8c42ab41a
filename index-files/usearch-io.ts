/**
 * The only file that touches usearch. Every call checks dims, counts, k and finiteness first: a native
 * crash cannot be caught.
 */
import usearch from 'usearch';
import { AtlasError, checkRows, firstNonFinite } from '../common/index.js';
import { metricFor, type IndexMetric, type Quantization } from './types.js';

const { Index, MetricKind, ScalarKind, exactSearch } = usearch;

/** Our names → usearch's enums (the same strings, typed). */
const METRIC: Readonly<Record<IndexMetric, (typeof MetricKind)[keyof typeof MetricKind]>> = { ip: MetricKind.IP, cos: MetricKind.Cos };
const SCALAR: Readonly<Record<Quantization, (typeof ScalarKind)[keyof typeof ScalarKind]>> = { f32: ScalarKind.F32, f16: ScalarKind.F16, i8: ScalarKind.I8 };
type UIndex = InstanceType<typeof Index>;

/** Build / search parameters of one index. */
export interface IndexParams {
  readonly dims: number;
  readonly quantization: Quantization;
  readonly connectivity: number;
  readonly expansionAdd: number;
  readonly expansionSearch: number;
}

/** Nearest neighbours of a batch: row-major n × k, key −1 / distance Infinity where fewer than k found. */
export interface Neighbours {
  readonly n: number;
  readonly k: number;
  readonly rows: Int32Array;
  readonly distances: Float32Array;
}

/** n queries with no neighbour found yet: every key −1, every distance Infinity. */
export function emptyNeighbours(n: number, k: number): Neighbours {
  return { n, k, rows: new Int32Array(n * k).fill(-1), distances: new Float32Array(n * k).fill(Infinity) };
}

/**
 * The nearest k of two neighbour lists per query (each ascending by distance, −1 where none), e.g. the best so
 * far and the next chunk of an exact scan; on equal distances `a`'s entry comes first.
 */
export function mergeNeighbours(a: Neighbours, b: Neighbours, k: number): Neighbours {
  const out = emptyNeighbours(a.n, k);
  for (let q = 0; q < a.n; q++) {
    let i = 0;
    let j = 0;
    for (let t = 0; t < k; t++) {
      const da = i < a.k && a.rows[q * a.k + i]! >= 0 ? a.distances[q * a.k + i]! : Infinity;
      const db = j < b.k && b.rows[q * b.k + j]! >= 0 ? b.distances[q * b.k + j]! : Infinity;
      if (da === Infinity && db === Infinity) break;
      const fromA = da <= db;
      out.rows[q * k + t] = fromA ? a.rows[q * a.k + i++]! : b.rows[q * b.k + j++]!;
      out.distances[q * k + t] = fromA ? da : db;
    }
  }
  return out;
}

/** A usearch index, created for building or viewed (memory-mapped) for searching. */
export class VectorIndex {
  /** Keys of a viewed index lie in 0..keyLimit − 1; anything else means the file changed under us. */
  private constructor(
    private readonly index: UIndex,
    readonly dims: number,
    /** The search beam this index object was opened with (usearch widens it to k per search). */
    readonly expansionSearch: number,
    private readonly keyLimit = Infinity,
    private readonly path = '',
  ) {}

  static create(p: IndexParams): VectorIndex {
    return new VectorIndex(new Index(config(p)), p.dims, p.expansionSearch);
  }

  /** Memory-maps a saved index and checks its dims and vector count; index_mismatch otherwise. */
  static view(path: string, p: IndexParams, expectedSize: number): VectorIndex {
    const index = new Index(config(p));
    try {
      index.view(path);
    } catch (err) {
      throw new AtlasError('index_mismatch', `cannot memory-map ${path}: ${(err as Error).message}`);
    }
    if (index.dimensions() !== p.dims) throw new AtlasError('index_mismatch', `${path} has ${index.dimensions()} dims, the manifest says ${p.dims}`);
    if (index.size() !== expectedSize) throw new AtlasError('index_mismatch', `${path} holds ${index.size()} vectors, the manifest says ${expectedSize}`);
    return new VectorIndex(index, p.dims, p.expansionSearch, expectedSize, path);
  }

  size(): number {
    return this.index.size();
  }

  /** Adds `vectors` (n × dims, finite) with keys firstKey … firstKey + n − 1. */
  add(firstKey: number, vectors: Float32Array, threads: number): void {
    const n = checkMatrix(vectors, this.dims, 'vectors to add');
    const keys = new BigUint64Array(n);
    for (let i = 0; i < n; i++) keys[i] = BigInt(firstKey + i);
    if (n > 0) this.index.add(keys, vectors, threads);
  }

  /** k nearest of each query (n × dims, finite, normalised by the caller). */
  search(queries: Float32Array, k: number, threads: number): Neighbours {
    const n = checkMatrix(queries, this.dims, 'queries');
    checkK(k);
    const { rows, distances } = emptyNeighbours(n, k);
    if (n === 0 || this.index.size() === 0) return { n, k, rows, distances };
    // One query cannot use a second thread; asking for one only adds usearch's thread-pool dispatch.
    const m = this.index.search(queries, k, n === 1 ? 1 : threads) as unknown as { keys: BigUint64Array; distances: Float32Array; counts?: BigUint64Array };
    const counts = m.counts;
    for (let q = 0; q < n; q++) {
      const c = counts ? Number(counts[q]) : Math.min(k, m.keys.length);
      if (!(c >= 0 && c <= k)) throw this.damaged(`returned ${c} neighbours for k = ${k}`);
      for (let i = 0; i < c; i++) {
        const key = Number(m.keys[q * k + i]);
        const d = m.distances[q * k + i]!;
        if (!(key < this.keyLimit) || !Number.isFinite(d)) throw this.damaged(`returned key ${key} with distance ${d}`);
        rows[q * k + i] = key;
        distances[q * k + i] = d;
      }
    }
    return { n, k, rows, distances };
  }

  private damaged(what: string): AtlasError {
    return new AtlasError('index_corrupt', `${this.path || 'a usearch index'} ${what}: the file is damaged or changed since start; restart the server (it verifies the index) or rebuild`);
  }

  save(path: string): void {
    this.index.save(path);
  }
}

/**
 * Exact (brute-force) cosine search of `queries` against `dataset` (m × dims); result rows are positions in
 * `dataset`. Used for filtered searches over small subsets.
 */
export function exactNeighbours(dataset: Float32Array, queries: Float32Array, dims: number, k: number, threads: number): Neighbours {
  // The dataset is stored reference vectors: a NaN there is a damaged index, not the client's fault.
  if (firstNonFinite(dataset) >= 0) throw new AtlasError('index_corrupt', 'a stored reference vector is not finite: the index files are damaged or changed since start; rebuild the index');
  const m = checkMatrix(dataset, dims, 'dataset');
  const n = checkMatrix(queries, dims, 'queries');
  checkK(k);
  const { rows, distances } = emptyNeighbours(n, k);
  const kk = Math.min(k, m);
  if (n === 0 || kk === 0) return { n, k, rows, distances };
  const res = exactSearch(wholeBuffer(dataset), wholeBuffer(queries), dims, kk, METRIC.cos, threads) as unknown as { keys: BigUint64Array; distances: Float32Array; counts?: BigUint64Array };
  for (let q = 0; q < n; q++) {
    const c = res.counts ? Number(res.counts[q]) : kk;
    for (let i = 0; i < c; i++) {
      const key = Number(res.keys[q * kk + i]);
      const d = res.distances[q * kk + i]!;
      if (!(key < m) || !Number.isFinite(d)) throw new AtlasError('index_corrupt', `exact search returned position ${key} of ${m} with distance ${d}`);
      rows[q * k + i] = key;
      distances[q * k + i] = d;
    }
  }
  return { n, k, rows, distances };
}

/**
 * `a` itself when it spans its whole ArrayBuffer, else a copy: usearch's exactSearch reads from the start of
 * the buffer and ignores a view's byte offset, so a subarray would silently be searched as the wrong rows.
 */
function wholeBuffer(a: Float32Array): Float32Array {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice();
}

function config(p: IndexParams) {
  return {
    dimensions: p.dims,
    metric: METRIC[metricFor(p.quantization)],
    quantization: SCALAR[p.quantization],
    connectivity: p.connectivity,
    expansion_add: p.expansionAdd,
    expansion_search: p.expansionSearch,
    multi: false,
  };
}

function checkK(k: number): void {
  if (!Number.isSafeInteger(k) || k < 1) throw new AtlasError('k_out_of_range', `k must be a positive integer, got ${k}`);
}

function checkMatrix(values: Float32Array, dims: number, what: string): number {
  return checkRows(values, dims, what);
}
