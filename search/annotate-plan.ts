/**
 * The neighbours annotate votes on, per search plan ({@link ANNOTATE_PLANS}). Pure over the callbacks it is
 * given: the engine supplies query vectors per prefix, the (filtered) index search and the stored vectors.
 */
import type { LevelColumn } from '../common/index.js';
import { emptyNeighbours, type IndexManifest, type Neighbours } from '../index-files/index.js';
import { l2NormalizeRows } from '../adapter/index.js';
import type { AnnotatePlan } from './annotate-types.js';

/** Shortlist size of the funnel: this many times k from the short prefix, reranked at the longer ones. */
export const FUNNEL_SHORTLIST_FACTOR = 4;

/** Candidates the funnel shortlists for k neighbours among `numCells`. */
export function funnelShortlistSize(k: number, numCells: number): number {
  return Math.min(numCells, FUNNEL_SHORTLIST_FACTOR * k);
}

/** The stored full-width vectors of every shortlist slot (an empty slot, row −1, reads row 0; the rerank skips it). */
export function readShortlist(shortlist: Neighbours, readRows: (rows: Int32Array) => Float32Array): Float32Array {
  return readRows(shortlist.rows.map((r) => Math.max(r, 0)));
}

/** What the engine lends a plan. */
export interface PlanAccess {
  /** Normalised query vectors (n × dims of prefix j). */
  queriesAt(prefix: number): Promise<Float32Array>;
  /** k nearest (filter applied) at prefix j. */
  search(prefix: number, queries: Float32Array, k: number): Neighbours;
  /** Stored full-width vectors of reference rows (rows.length × width). */
  readStored(rows: Int32Array): Float32Array;
  /** Full width of a stored row (numScales · scaleDim). */
  readonly width: number;
  readonly numCells: number;
}

/** Per level column the prefix it is voted at, and per voted prefix the neighbours of every query. */
export interface PlanNeighbours {
  readonly prefixOf: Readonly<Partial<Record<LevelColumn, number>>>;
  readonly byPrefix: ReadonlyMap<number, Neighbours>;
}

/** The prefix each served level is voted at under a plan: `full` votes every level at the widest prefix. */
export function planPrefixes(plan: AnnotatePlan, m: IndexManifest): Partial<Record<LevelColumn, number>> {
  const widest = Math.max(...m.prefixes.map((p) => p.prefix));
  return Object.fromEntries(m.levelColumns.map((c) => [c, plan === 'full' ? widest : m.levelPrefix[c]!]));
}

/** Finds the neighbours of n queries for every prefix the plan votes at. */
export async function findPlanNeighbours(plan: AnnotatePlan, m: IndexManifest, n: number, k: number, access: PlanAccess): Promise<PlanNeighbours> {
  const prefixOf = planPrefixes(plan, m);
  const prefixes = [...new Set(Object.values(prefixOf) as number[])].sort((a, b) => a - b);
  const byPrefix = new Map<number, Neighbours>();
  if (plan !== 'funnel' || prefixes.length === 1) {
    for (const j of prefixes) byPrefix.set(j, access.search(j, await access.queriesAt(j), k));
    return { prefixOf, byPrefix };
  }
  const shortest = prefixes[0]!;
  const wide = funnelShortlistSize(k, access.numCells);
  const shortlist = access.search(shortest, await access.queriesAt(shortest), wide);
  byPrefix.set(shortest, firstK(shortlist, k));
  const stored = readShortlist(shortlist, access.readStored);
  for (const j of prefixes.slice(1)) {
    const queries = await access.queriesAt(j);
    byPrefix.set(j, rerankStored(shortlist, stored, access.width, queries, queries.length / n, k));
  }
  return { prefixOf, byPrefix };
}

/**
 * The funnel's second step: `stored` holds the full-width (`width`) stored vector of every shortlist slot;
 * their first `dims` dims, L2-normalised, are ranked by exact cosine distance to the (normalised) queries.
 */
export function rerankStored(shortlist: Neighbours, stored: Float32Array, width: number, queries: Float32Array, dims: number, k: number): Neighbours {
  return rerankExactly(shortlist, l2NormalizeRows(stored, shortlist.rows.length, width, dims), queries, dims, k);
}

/** The first k columns of a shortlist (already sorted by distance). */
function firstK(nb: Neighbours, k: number): Neighbours {
  const rows = new Int32Array(nb.n * k);
  const distances = new Float32Array(nb.n * k);
  for (let q = 0; q < nb.n; q++) {
    rows.set(nb.rows.subarray(q * nb.k, q * nb.k + k), q * k);
    distances.set(nb.distances.subarray(q * nb.k, q * nb.k + k), q * k);
  }
  return { n: nb.n, k, rows, distances };
}

/**
 * Exact cosine distances from each query to its shortlisted rows (`vectors`: one normalised row per shortlist
 * slot), the k nearest kept in ascending order; empty slots (row −1) stay at the end.
 */
export function rerankExactly(shortlist: Neighbours, vectors: Float32Array, queries: Float32Array, dims: number, k: number): Neighbours {
  const { n, k: wide } = shortlist;
  const { rows, distances } = emptyNeighbours(n, k);
  const order = new Int32Array(wide);
  const dist = new Float64Array(wide);
  for (let q = 0; q < n; q++) {
    const qo = q * dims;
    for (let i = 0; i < wide; i++) {
      const slot = q * wide + i;
      order[i] = i;
      if (shortlist.rows[slot]! < 0) {
        dist[i] = Infinity;
        continue;
      }
      let dot = 0;
      const vo = slot * dims;
      for (let c = 0; c < dims; c++) dot += queries[qo + c]! * vectors[vo + c]!;
      dist[i] = 1 - dot;
    }
    const sorted = Array.from(order).sort((a, b) => dist[a]! - dist[b]! || a - b);
    for (let i = 0; i < Math.min(k, wide); i++) {
      const s = sorted[i]!;
      if (dist[s] === Infinity) break;
      rows[q * k + i] = shortlist.rows[q * wide + s]!;
      distances[q * k + i] = dist[s]!;
    }
  }
  return { n, k, rows, distances };
}
