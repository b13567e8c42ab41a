/**
 * kNN search with a label filter. usearch's JavaScript binding has no predicate filter, so:
 *  1. small matching subsets (≤ EXACT_SUBSET_ROWS cells) are searched exactly: their stored vectors are read
 *     and compared by brute force (exact results, cost proportional to the subset);
 *  2. larger subsets oversample the HNSW index: k' = 2·k·N / matching + 32, keep the matching hits, and
 *     grow k' ×4 for the queries still short of k, up to OVERSAMPLE_MAX_K;
 *  3. queries still short then fall back to the exact search over the subset, streamed in chunks.
 * So a filtered search returns k hits whenever k matching cells exist.
 */
import { buildRowMask, type CompiledFilter, type RowMask } from './label-filter.js';
import { emptyNeighbours, exactNeighbours, mergeNeighbours, type LabelCodes, type Neighbours, type VectorIndex, type VectorFile } from '../index-files/index.js';
import { l2NormalizeRows } from '../adapter/index.js';

export const EXACT_SUBSET_ROWS = 20_000;
export const OVERSAMPLE_MAX_K = 50_000;
const EXACT_CHUNK_ROWS = 16_384;

/** One searchable space: a prefix index (or the original index) and the file its vectors come from. */
export interface SearchSpace {
  readonly index: VectorIndex;
  readonly vectors: VectorFile;
  /** Leading dims of each vectors-file row that form this space (normalised before use). */
  readonly dims: number;
  /** Vectors of small filtered subsets of this space, kept between requests. */
  readonly subsets?: SubsetCache;
}

/** Row masks of recent filters (filters repeat across the chunks of one request). */
export class MaskCache {
  private readonly cache = new Map<string, RowMask & { readonly key: string }>();
  constructor(private readonly labels: LabelCodes, private readonly numRows: number, private readonly capacity = 4) {}
  get(filter: CompiledFilter): RowMask & { readonly key: string } {
    let m = this.cache.get(filter.key);
    if (m) {
      this.cache.delete(filter.key);
    } else {
      m = { ...buildRowMask(this.labels, filter, this.numRows), key: filter.key };
      if (this.cache.size >= this.capacity) this.cache.delete(this.cache.keys().next().value!);
    }
    this.cache.set(filter.key, m);
    return m;
  }
}

/** Thresholds of the filtered search (tests lower them to reach every path on a small index). */
export interface FilteredSearchLimits {
  readonly exactSubsetRows: number;
  readonly oversampleMaxK: number;
}

const DEFAULT_LIMITS: FilteredSearchLimits = { exactSubsetRows: EXACT_SUBSET_ROWS, oversampleMaxK: OVERSAMPLE_MAX_K };

/** k nearest matching reference rows of each query (queries: n × space.dims, normalised). */
export function searchFiltered(
  space: SearchSpace,
  queries: Float32Array,
  k: number,
  mask: RowMask | null,
  threads: number,
  limits: FilteredSearchLimits = DEFAULT_LIMITS,
): Neighbours {
  const n = queries.length / space.dims;
  const N = space.vectors.numRows;
  if (!mask || mask.count === N) {
    const res = space.index.search(queries, Math.min(k, N), threads);
    return res.k === k ? res : widen(res, k);
  }
  if (mask.count === 0) return emptyNeighbours(n, k);
  if (mask.count <= limits.exactSubsetRows) return exactSubset(space, queries, k, mask, threads);
  const out = emptyNeighbours(n, k);
  const filled = new Int32Array(n);
  let pending = Array.from({ length: n }, (_, q) => q);
  let kk = Math.min(N, Math.max(k, Math.min(limits.oversampleMaxK, Math.ceil((2 * k * N) / mask.count) + 32)));
  for (;;) {
    const sub = gather(queries, pending, space.dims);
    const res = space.index.search(sub, kk, threads);
    const still: number[] = [];
    pending.forEach((q, p) => {
      filled[q] = 0;
      for (let i = 0; i < kk && filled[q]! < k; i++) {
        const row = res.rows[p * kk + i]!;
        if (row < 0) break;
        if (mask.mask[row] === 1) {
          out.rows[q * k + filled[q]!] = row;
          out.distances[q * k + filled[q]!] = res.distances[p * kk + i]!;
          filled[q]!++;
        }
      }
      if (filled[q]! < Math.min(k, mask.count)) still.push(q);
    });
    pending = still;
    if (pending.length === 0) return out;
    if (kk >= N || kk * 4 > limits.oversampleMaxK) break;
    kk = Math.min(N, kk * 4);
  }
  const rest = exactSubset(space, gather(queries, pending, space.dims), k, mask, threads);
  pending.forEach((q, p) => {
    out.rows.set(rest.rows.subarray(p * k, (p + 1) * k), q * k);
    out.distances.set(rest.distances.subarray(p * k, (p + 1) * k), q * k);
  });
  return out;
}

/** Neighbours computed with a smaller k (k > N), padded to width k. */
function widen(res: Neighbours, k: number): Neighbours {
  const out = emptyNeighbours(res.n, k);
  for (let q = 0; q < res.n; q++) {
    out.rows.set(res.rows.subarray(q * res.k, (q + 1) * res.k), q * k);
    out.distances.set(res.distances.subarray(q * res.k, (q + 1) * res.k), q * k);
  }
  return out;
}

function gather(queries: Float32Array, which: readonly number[], dims: number): Float32Array {
  const out = new Float32Array(which.length * dims);
  which.forEach((q, i) => out.set(queries.subarray(q * dims, (q + 1) * dims), i * dims));
  return out;
}

/** Normalised vectors of one small subset in one space, kept between requests. */
interface SubsetVectors {
  readonly rows: Int32Array;
  readonly data: Float32Array;
}

/**
 * Subsets of the exact path of one space, by filter, up to SUBSET_CACHE_BYTES: a filter repeated across
 * requests then costs one brute-force scan, not a re-read of its vectors.
 */
const SUBSET_CACHE_BYTES = 64 << 20;

export class SubsetCache {
  private readonly map = new Map<string, SubsetVectors>();
  private bytes = 0;

  get(space: SearchSpace, mask: RowMask & { readonly key?: string }): SubsetVectors | null {
    if (!mask.key) return null;
    const hit = this.map.get(mask.key);
    if (hit) {
      this.map.delete(mask.key);
      this.map.set(mask.key, hit);
      return hit;
    }
    const bytes = mask.count * space.dims * 4;
    if (bytes > SUBSET_CACHE_BYTES / 4) return null;
    const rows = maskRows(mask);
    const data = l2NormalizeRows(space.vectors.readRows(rows), rows.length, space.vectors.rowDim, space.dims);
    while (this.bytes + bytes > SUBSET_CACHE_BYTES && this.map.size > 0) {
      const [oldKey, old] = this.map.entries().next().value!;
      this.map.delete(oldKey);
      this.bytes -= old.data.byteLength;
    }
    this.map.set(mask.key, { rows, data });
    this.bytes += bytes;
    return { rows, data };
  }
}

function maskRows(mask: RowMask): Int32Array {
  const rows = new Int32Array(mask.count);
  for (let r = 0, c = 0; r < mask.mask.length; r++) if (mask.mask[r] === 1) rows[c++] = r;
  return rows;
}

/** Exact search over the rows of a mask, streamed in chunks, merged into the k best per query. */
export function exactSubset(space: SearchSpace, queries: Float32Array, k: number, mask: RowMask & { readonly key?: string }, threads: number): Neighbours {
  const n = queries.length / space.dims;
  const cached = space.subsets?.get(space, mask) ?? null;
  if (cached) {
    const res = exactNeighbours(cached.data, queries, space.dims, k, threads);
    for (let i = 0; i < res.rows.length; i++) if (res.rows[i]! >= 0) res.rows[i] = cached.rows[res.rows[i]!]!;
    return res;
  }
  let best = emptyNeighbours(n, k);
  const rows = maskRows(mask);
  for (let start = 0; start < rows.length; start += EXACT_CHUNK_ROWS) {
    const chunkRows = rows.subarray(start, Math.min(rows.length, start + EXACT_CHUNK_ROWS));
    const raw = space.vectors.readRows(chunkRows);
    const data = l2NormalizeRows(raw, chunkRows.length, space.vectors.rowDim, space.dims);
    const res = exactNeighbours(data, queries, space.dims, k, threads);
    // Chunk positions → reference rows; on equal distances the earlier chunk's (lower) row stays first.
    for (let i = 0; i < res.rows.length; i++) if (res.rows[i]! >= 0) res.rows[i] = chunkRows[res.rows[i]!]!;
    best = mergeNeighbours(best, res, k);
  }
  return best;
}
