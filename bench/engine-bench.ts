/**
 * Engine benchmark at one reference size: for every prefix length, build time, ef tuned per engine until
 * recall@k ≥ target against an exact scan, then single-query and batch queries/s at that ef; exact scan as the
 * floor; usearch quantizations (f32/f16/i8) with bytes per cell of all prefix indexes together.
 */
import { performance } from 'node:perf_hooks';
import { recallAtK } from '../eval/index.js';
import { buildHnswlib, buildUsearch, exactTopK, type BenchIndex, type HnswParams, type Quantization } from './engines.js';
import { l2NormalizeRows } from '../adapter/index.js';
import type { BenchCells } from './data.js';

/** Options of {@link runEngineBench}. */
export interface EngineBenchOptions {
  /** Reference cells followed by the query cells (the last `o.numQueries` rows). */
  readonly cells: BenchCells;
  readonly prefixDims: readonly number[];
  readonly numQueries: number;
  readonly k: number;
  readonly targetRecall: number;
  readonly params: HnswParams;
  /** Threads for the multi-threaded batch figure and the exact ground truth. */
  readonly threads: number;
  /** usearch add threads (hnswlib-node always builds on one: its binding adds one point per call). */
  readonly buildThreads: number;
  /** Which usearch quantizations, and whether hnswlib-node, run at a prefix (hnswlib-node is the slow part). */
  readonly plan: (prefixDim: number) => { readonly quantizations: readonly Quantization[]; readonly hnswlib: boolean; readonly innerProduct?: boolean };
  /** Called with the figures so far after each index (the runner saves them: a cut-short run keeps them). */
  readonly onUpdate?: (partial: EngineBenchResult) => void;
  readonly log: (line: string) => void;
}

/** Search figures of one engine/quantization at one prefix, at the tuned ef. */
export interface SearchFigures {
  readonly engine: string;
  readonly quantization: Quantization | 'f32';
  readonly prefixDim: number;
  readonly buildSeconds: number;
  readonly buildThreads: number;
  readonly serializedBytes: number;
  /** ef the figures were taken at: the smallest that reached the target recall, else where recall plateaued. */
  readonly ef: number;
  /** Whether the target recall was reached (quantized indexes can plateau below it). */
  readonly reachedTarget: boolean;
  readonly recall: number;
  readonly singleQps: number;
  readonly batchQps1Thread: number;
  readonly batchQpsThreads: number | null;
  /** Every ef tried and its recall. */
  readonly efCurve: readonly { ef: number; recall: number }[];
}

/** Exact scan figures at one prefix (the floor). */
export interface ExactFigures {
  readonly prefixDim: number;
  readonly singleQps: number;
  readonly batchQpsThreads: number;
}

/** Sums over the prefix indexes of one engine/quantization. */
export interface VariantTotals {
  /** Prefix dims it was built at (all of them, or only the widest in the large profile). */
  readonly prefixDims: number[];
  /** Serialised bytes of those indexes together, divided by n. */
  bytesPerCell: number;
  buildSeconds: number;
  readonly buildThreads: number;
}

/** Everything measured at one size. */
export interface EngineBenchResult {
  readonly n: number;
  readonly numQueries: number;
  readonly k: number;
  readonly targetRecall: number;
  readonly params: HnswParams;
  readonly threads: number;
  readonly exact: readonly ExactFigures[];
  readonly search: readonly SearchFigures[];
  /** Per engine-quantization: serialised bytes and build seconds summed over the prefixes it ran at. */
  readonly totals: Readonly<Record<string, VariantTotals>>;
}

const EF_LADDER = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024];

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

/** Queries/s of one-at-a-time search over `queries`, run for at least `minSeconds` (whole passes). */
function measureSingle(search: (q: Float32Array) => unknown, queries: Float32Array, dim: number, minSeconds = 0.5): number {
  const q = queries.length / dim;
  const rows = Array.from({ length: q }, (_, i) => queries.subarray(i * dim, (i + 1) * dim));
  for (let i = 0; i < Math.min(q, 50); i++) search(rows[i]);
  let done = 0;
  const t0 = performance.now();
  do {
    for (const r of rows) search(r);
    done += q;
  } while (seconds(t0) < minSeconds);
  return done / seconds(t0);
}

function measureBatch(run: () => unknown, q: number, minSeconds = 0.5): number {
  run();
  let done = 0;
  const t0 = performance.now();
  do {
    run();
    done += q;
  } while (seconds(t0) < minSeconds);
  return done / seconds(t0);
}

/**
 * Walks up the ef ladder until recall@k reaches the target. Quantized vectors cap the recall below 1 (their
 * distances differ from the exact f32 ones), so the walk also stops once two steps in a row gain < 0.002,
 * and the figures are then taken at the plateau's start rather than at a useless huge ef.
 */
function tuneEf(index: BenchIndex, queries: Float32Array, truth: Int32Array, k: number, target: number, threads: number) {
  const curve: { ef: number; recall: number }[] = [];
  for (const ef of EF_LADDER) {
    if (ef < k) continue;
    index.setEf(ef);
    const recall = recallAtK(index.searchBatch(queries, k, threads), truth, k);
    curve.push({ ef, recall });
    if (recall >= target) return { ef, recall, reached: true, curve };
    const m = curve.length;
    if (m >= 3 && curve[m - 1].recall - curve[m - 3].recall < 0.002) {
      index.setEf(curve[m - 3].ef);
      return { ef: curve[m - 3].ef, recall: curve[m - 3].recall, reached: false, curve };
    }
  }
  const last = curve[curve.length - 1];
  return { ef: last.ef, recall: last.recall, reached: false, curve };
}

/** One index to measure at a prefix: its name in the totals, quantization, build and build threads. */
interface Variant {
  readonly name: string;
  readonly quant: Quantization;
  readonly build: () => BenchIndex;
  readonly threads: number;
}

/** The indexes the plan runs at prefix d over `base`. */
function variantsOf(o: EngineBenchOptions, base: Float32Array, d: number): Variant[] {
  const variants: Variant[] = [];
  const plan = o.plan(d);
  for (const quant of plan.quantizations) {
    variants.push({ name: `usearch-${quant}`, quant, threads: o.buildThreads, build: () => buildUsearch(base, d, o.params, quant, o.buildThreads) });
  }
  if (plan.hnswlib) variants.push({ name: 'hnswlib-f32', quant: 'f32', threads: 1, build: () => buildHnswlib(base, d, o.params) });
  if (plan.innerProduct) {
    variants.push({ name: 'usearch(ip)-f32', quant: 'f32', threads: o.buildThreads, build: () => buildUsearch(base, d, o.params, 'f32', o.buildThreads, 'ip') });
  }
  return variants;
}

/** Exact-scan queries/s at prefix d over n reference cells (the floor every index must beat). */
function measureExact(o: EngineBenchOptions, base: Float32Array, queries: Float32Array, d: number, n: number): ExactFigures {
  // Exact scans cost O(n) each: fewer timed queries at large n keep this to a few seconds.
  const sample = queries.subarray(0, Math.min(o.numQueries, Math.max(10, Math.floor(5e6 / n))) * d);
  const exactSingle = measureSingle((q) => exactTopK(base, q, d, o.k, 1), sample, d, 0.3);
  const exactBatch = measureBatch(() => exactTopK(base, sample, d, o.k, o.threads), sample.length / d, 0.3);
  o.log(`  n=${n} d=${d}: exact scan ${exactSingle.toFixed(0)} q/s single, ${exactBatch.toFixed(0)} q/s batch×${o.threads}`);
  return { prefixDim: d, singleQps: exactSingle, batchQpsThreads: exactBatch };
}

/** Builds one index, tunes its ef against `truth` and measures it there; the index is disposed after. */
function measureVariant(o: EngineBenchOptions, v: Variant, queries: Float32Array, truth: Int32Array, d: number): SearchFigures {
  const t0 = performance.now();
  const index = v.build();
  const buildSeconds = seconds(t0);
  const serializedBytes = index.serializedBytes();
  const tuned = tuneEf(index, queries, truth, o.k, o.targetRecall, o.threads);
  const singleQps = measureSingle((q) => index.searchOne(q, o.k), queries, d);
  const batchQps1Thread = measureBatch(() => index.searchBatch(queries, o.k, 1), o.numQueries);
  const batchQpsThreads = index.engine !== 'hnswlib' ? measureBatch(() => index.searchBatch(queries, o.k, o.threads), o.numQueries) : null;
  index.dispose();
  return {
    engine: index.engine, quantization: v.quant, prefixDim: d, buildSeconds, buildThreads: v.threads, serializedBytes,
    ef: tuned.ef, reachedTarget: tuned.reached, recall: tuned.recall, singleQps, batchQps1Thread, batchQpsThreads, efCurve: tuned.curve,
  };
}

function logVariant(o: EngineBenchOptions, n: number, name: string, f: SearchFigures): void {
  o.log(
    `  n=${n} d=${f.prefixDim} ${name}: build ${f.buildSeconds.toFixed(1)} s, ${(f.serializedBytes / n).toFixed(0)} B/cell, ` +
      `ef=${f.ef}${f.reachedTarget ? '' : ' (plateau)'} recall ${f.recall.toFixed(3)}, ${f.singleQps.toFixed(0)} q/s single, ${f.batchQps1Thread.toFixed(0)} q/s batch×1` +
      (f.batchQpsThreads === null ? '' : `, ${f.batchQpsThreads.toFixed(0)} q/s batch×${o.threads}`),
  );
}

/** Runs the engine benchmark at one size and returns every figure. */
export function runEngineBench(o: EngineBenchOptions): EngineBenchResult {
  const fullDim = o.cells.dim;
  const n = o.cells.n - o.numQueries;
  if (n < o.k) throw new Error(`need more than ${o.numQueries + o.k} cells, got ${o.cells.n}`);
  const baseFull = o.cells.embeddings.subarray(0, n * fullDim);
  const queryFull = o.cells.embeddings.subarray(n * fullDim);
  const exact: ExactFigures[] = [];
  const search: SearchFigures[] = [];
  const totals: Record<string, VariantTotals> = {};
  for (const d of o.prefixDims) {
    // Prefix d of the demo embedding, unit-normalised the way the adapter cuts prefixes.
    const base = l2NormalizeRows(baseFull, n, fullDim, d);
    const queries = l2NormalizeRows(queryFull, o.numQueries, fullDim, d);
    const truth = exactTopK(base, queries, d, o.k, o.threads);
    exact.push(measureExact(o, base, queries, d, n));
    for (const v of variantsOf(o, base, d)) {
      const figures = measureVariant(o, v, queries, truth, d);
      const t = (totals[v.name] ??= { prefixDims: [], bytesPerCell: 0, buildSeconds: 0, buildThreads: v.threads });
      t.prefixDims.push(d);
      t.bytesPerCell += figures.serializedBytes / n;
      t.buildSeconds += figures.buildSeconds;
      search.push(figures);
      o.onUpdate?.(snapshot());
      logVariant(o, n, v.name, figures);
    }
  }
  return snapshot();

  function snapshot(): EngineBenchResult {
    return {
      n, numQueries: o.numQueries, k: o.k, targetRecall: o.targetRecall, params: o.params, threads: o.threads,
      exact: [...exact], search: [...search], totals: structuredClone(totals),
    };
  }
}
