/**
 * Thin wrappers over the two HNSW engines compared in the benchmarks, so that both are built and queried the
 * same way: usearch (the engine of index/) and hnswlib-node (the binding of hnswlib, the engine SCimilarity
 * ships its `labelled_kNN.bin` with). Cosine metric, same M and ef_construction, keys = row numbers.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Index, MetricKind, ScalarKind, exactSearch } from 'usearch';
import hnswlib from 'hnswlib-node';

// A replaced usearch index holds hundreds of MB of native memory that V8 cannot see, so it would not hurry to
// collect it: the ef sweep at 1M cells would pile up gigabytes. Collect explicitly after each swap.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Scalar types benchmarked for usearch. */
export type Quantization = 'f32' | 'f16' | 'i8';

const SCALAR: Record<Quantization, ScalarKind> = { f32: ScalarKind.F32, f16: ScalarKind.F16, i8: ScalarKind.I8 };

/** Graph parameters shared by both engines. */
export interface HnswParams {
  /** Max links per node (usearch `connectivity`, hnswlib `M`). */
  readonly m: number;
  /** Candidate list size while building (usearch `expansion_add`, hnswlib `ef_construction`). */
  readonly efConstruction: number;
}

/** A built index that can be searched at any ef. */
export interface BenchIndex {
  readonly engine: 'usearch' | 'usearch(ip)' | 'hnswlib';
  readonly dim: number;
  readonly size: number;
  /** Sets the search candidate list size (ef / expansion_search). */
  setEf(ef: number): void;
  /** Top-k keys of one query, nearest first. */
  searchOne(query: Float32Array, k: number): Int32Array;
  /** Top-k keys of many queries (row-major), nearest first; `k` per query. */
  searchBatch(queries: Float32Array, k: number, threads: number): Int32Array;
  /** Serialised size in bytes (written to a temporary file and measured). */
  serializedBytes(): number;
  dispose(): void;
}

function keysToInt32(keys: BigUint64Array, out: Int32Array, offset: number, count: number): void {
  for (let i = 0; i < count; i++) out[offset + i] = Number(keys[i]);
}

/** Batch result keys as a `q × k` table, slots past each query's count set to −1 (the binding leaves them 0). */
function batchKeys(r: { keys: BigUint64Array; counts?: BigUint64Array }, q: number, k: number): Int32Array {
  const out = new Int32Array(q * k).fill(-1);
  for (let i = 0; i < q; i++) {
    const c = Math.min(r.counts ? Number(r.counts[i]) : k, Math.max(0, r.keys.length - i * k));
    keysToInt32(r.keys.subarray(i * k, i * k + c), out, i * k, c);
  }
  return out;
}

/**
 * Builds a usearch index. usearch's JS binding fixes `expansion_search` at construction, so changing ef saves
 * the graph once and reloads it into an index constructed with the new ef (loading keeps the constructor's
 * expansion_search: the file stores only the graph and the metric).
 */
export function buildUsearch(vectors: Float32Array, dim: number, params: HnswParams, quantization: Quantization, threads: number, metric: 'cos' | 'ip' = 'cos'): BenchIndex {
  const n = vectors.length / dim;
  const config = (ef: number) => ({
    dimensions: dim,
    // Inner product equals cosine on unit vectors (every prefix is normalised) without the per-distance norms.
    metric: metric === 'ip' ? MetricKind.IP : MetricKind.Cos,
    quantization: SCALAR[quantization],
    connectivity: params.m,
    expansion_add: params.efConstruction,
    expansion_search: ef,
    multi: false,
  });
  let index = new Index(config(64));
  const keys = new BigUint64Array(n);
  for (let i = 0; i < n; i++) keys[i] = BigInt(i);
  index.add(keys, vectors, threads);
  const dir = mkdtempSync(join(tmpdir(), 'fa-bench-'));
  const file = join(dir, 'index.usearch');
  let saved = false;
  const save = () => {
    if (!saved) index.save(file);
    saved = true;
  };
  return {
    engine: metric === 'ip' ? 'usearch(ip)' : 'usearch',
    dim,
    size: n,
    setEf(ef) {
      save();
      const next = new Index(config(ef));
      next.load(file);
      index = next;
      collectGarbage();
    },
    searchOne(query, k) {
      const r = index.search(query, k, 1);
      const out = new Int32Array(k).fill(-1);
      keysToInt32(r.keys, out, 0, Math.min(k, r.keys.length));
      return out;
    },
    searchBatch(queries, k, th) {
      const q = queries.length / dim;
      // usearch's search takes a flat typed array of many rows as a batch.
      const r = index.search(queries, k, th) as unknown as { keys: BigUint64Array; counts?: BigUint64Array };
      return batchKeys(r, q, k);
    },
    serializedBytes() {
      save();
      return statSync(file).size;
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Builds an hnswlib-node index, one `addPoint` per row (the binding has no bulk add and takes plain arrays;
 * the conversion is part of what using hnswlib from Node costs, about 1 µs against ~100 µs per insert).
 */
export function buildHnswlib(vectors: Float32Array, dim: number, params: HnswParams): BenchIndex {
  const n = vectors.length / dim;
  const index = new hnswlib.HierarchicalNSW('cosine', dim);
  index.initIndex(n, params.m, params.efConstruction, 100);
  for (let i = 0; i < n; i++) index.addPoint(Array.from(vectors.subarray(i * dim, (i + 1) * dim)), i);
  return {
    engine: 'hnswlib',
    dim,
    size: n,
    setEf(ef) {
      index.setEf(ef);
    },
    searchOne(query, k) {
      const { neighbors } = index.searchKnn(Array.from(query), k);
      return Int32Array.from(neighbors);
    },
    searchBatch(queries, k) {
      // hnswlib-node has no batch query: a batch is a loop of single queries on one thread.
      const q = queries.length / dim;
      const out = new Int32Array(q * k);
      for (let i = 0; i < q; i++) out.set(index.searchKnn(Array.from(queries.subarray(i * dim, (i + 1) * dim)), k).neighbors, i * k);
      return out;
    },
    serializedBytes() {
      const dir = mkdtempSync(join(tmpdir(), 'fa-bench-'));
      try {
        const file = join(dir, 'index.hnsw');
        index.writeIndexSync(file);
        return statSync(file).size;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    dispose() {},
  };
}

/** Exact cosine top-k of every query (brute force in usearch's SIMD kernels): the ground truth and the floor. */
export function exactTopK(base: Float32Array, queries: Float32Array, dim: number, k: number, threads: number): Int32Array {
  const q = queries.length / dim;
  const r = exactSearch(base, queries, dim, k, MetricKind.Cos, threads) as unknown as { keys: BigUint64Array; counts?: BigUint64Array };
  return batchKeys(r, q, k);
}
