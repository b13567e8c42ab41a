/**
 * Calibrates the search beams of the saved prefix indexes (index-files/beams.ts): for each prefix and each k of
 * {@link BEAM_KS}, the recall@k on a ladder of beams against exact neighbours, and the smallest beam reaching
 * the target. The queries stand for new cells: a reference cell itself is too easy (the greedy walk lands on
 * its own node, whose graph links are its nearest neighbours), so each sampled cell x is reflected through
 * its nearest neighbour y, q = x + (x − y): a point as far from x as its neighbour, on the data's own
 * directions, that the graph has never seen. BENCHMARKS.md compares the recall of these queries, of the
 * cells themselves and of held-out cells: reflected cells are a little harder than held-out ones at 20,000
 * cells and much harder at 1,000,000, so `fractal-atlas calibrate --queries` takes held-out cells instead.
 */
import { join } from 'node:path';
import { AtlasError, createProgress } from '../common/index.js';
import { sampleRows } from './calibrate.js';
import { throwIfAborted } from './embed-pass.js';
import { l2NormalizeRows } from '../adapter/index.js';
import { INDEX_FILES, VectorFile, VectorIndex, emptyNeighbours, exactNeighbours, mergeNeighbours, readManifest, replaceManifest, type BeamEntry, type BeamTable, type IndexManifest, type IndexParams, type Neighbours } from '../index-files/index.js';

/** The k calibrated; a search of another k takes the beam of the next larger (searchBeam). */
export const BEAM_KS = [10, 50, 100] as const;
/** Beams tried, in order, after k itself (usearch widens any beam below k to k). */
export const BEAM_LADDER = [16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512] as const;
/** Cells searched per prefix: recall to about ±1 point; at 1M cells their exact scan takes about 15 s a prefix. */
export const BEAM_SAMPLE = 500;
/**
 * Rows per exact-search chunk of the ground truth: usearch allocates queries × rows results per call, and at
 * 4,096 rows the allocation is reused instead of faulted in anew (1 s of sys time per 1M rows at 500 queries
 * instead of 4 s).
 */
const TRUTH_CHUNK = 4096;

/** One saved prefix index to calibrate. */
export interface BeamPrefix {
  readonly prefix: number;
  readonly path: string;
  readonly dims: number;
}

/** Options of {@link calibrateBeams}. */
export interface CalibrateBeamsOptions {
  readonly prefixes: readonly BeamPrefix[];
  /** Raw adapter outputs (vectors.f32), `numCells × rowDim`. */
  readonly vectorsPath: string;
  readonly numCells: number;
  readonly rowDim: number;
  readonly params: Omit<IndexParams, 'dims' | 'expansionSearch'>;
  readonly recallTarget: number;
  readonly threads: number;
  readonly signal?: AbortSignal;
  /** Adapter outputs (n × rowDim) of cells the index does not hold, searched instead of reflected cells. */
  readonly heldOut?: { readonly vectors: Float32Array; readonly n: number };
}

/** Mean recall@k of `found` (k or more per query) against the first k of `truth`. */
export function recallAt(found: Neighbours, truth: Neighbours, k: number): number {
  let sum = 0;
  for (let q = 0; q < found.n; q++) {
    const want = new Set<number>();
    for (let i = 0; i < Math.min(k, truth.k); i++) if (truth.rows[q * truth.k + i]! >= 0) want.add(truth.rows[q * truth.k + i]!);
    let hit = 0;
    for (let i = 0; i < Math.min(k, found.k); i++) if (want.has(found.rows[q * found.k + i]!)) hit++;
    sum += want.size === 0 ? 1 : hit / want.size;
  }
  return found.n === 0 ? 1 : sum / found.n;
}

/**
 * Reflects each row x of `cells` (n × dims, unit) through `neighbours` y, row for row: q = 2x − y, normalised.
 * Where y = x (a duplicate cell) q = x.
 */
export function reflectRows(cells: Float32Array, neighbours: Float32Array, n: number, dims: number): Float32Array {
  const out = new Float32Array(n * dims);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < dims; d++) {
      const v = 2 * cells[i * dims + d]! - neighbours[i * dims + d]!;
      out[i * dims + d] = v;
      s += v * v;
    }
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let d = 0; d < dims; d++) out[i * dims + d]! *= inv;
  }
  return out;
}

/** The beams to try for k: k itself, then every ladder beam above it. */
export function beamsToTry(k: number): number[] {
  return [k, ...BEAM_LADDER.filter((ef) => ef > k)];
}

/** Rows `rows` of the vectors file, each normalised over its first `dims`. */
export function readSample(file: VectorFile, rows: Int32Array, dims: number): Float32Array {
  return l2NormalizeRows(file.readRows(rows), rows.length, file.rowDim, dims);
}

/**
 * Exact `kk` nearest rows of `file` (each normalised over its first `dims`) of the n `queries`, streaming the
 * file by chunks and yielding between them: a 1M-cell scan takes seconds.
 */
export async function scanExactNeighbours(file: VectorFile, queries: Float32Array, n: number, dims: number, kk: number, threads: number, signal?: AbortSignal): Promise<Neighbours> {
  let best = emptyNeighbours(n, kk);
  for (let start = 0; start < file.numRows; start += TRUTH_CHUNK) {
    const m = Math.min(TRUTH_CHUNK, file.numRows - start);
    const part = exactNeighbours(l2NormalizeRows(file.readRange(start, m), m, file.rowDim, dims), queries, dims, kk, threads);
    for (let i = 0; i < part.rows.length; i++) if (part.rows[i]! >= 0) part.rows[i]! += start;
    best = mergeNeighbours(best, part, kk);
    throwIfAborted(signal);
    await new Promise((r) => setImmediate(r));
  }
  return best;
}

/** Calibration queries at `dims`: each row of `self` of the file reflected through its nearest other row. */
export async function reflectedQueries(file: VectorFile, self: Int32Array, dims: number, threads: number, signal?: AbortSignal): Promise<Float32Array> {
  const cells = readSample(file, self, dims);
  const nearest = await scanExactNeighbours(file, cells, self.length, dims, 2, threads, signal);
  const other = Int32Array.from(self, (r, i) => (nearest.rows[i * 2] === r ? nearest.rows[i * 2 + 1]! : nearest.rows[i * 2]!));
  const ys = readSample(file, Int32Array.from(other, (r, i) => (r >= 0 ? r : self[i]!)), dims);
  return reflectRows(cells, ys, self.length, dims);
}

/** The calibrated beams of one prefix: per k, the first beam of {@link beamsToTry} reaching the target. */
async function calibratePrefix(file: VectorFile, o: CalibrateBeamsOptions, p: BeamPrefix, self: Int32Array): Promise<BeamEntry[]> {
  const ks = BEAM_KS.filter((k) => k < o.numCells);
  if (ks.length === 0) return [];
  const n = o.heldOut ? o.heldOut.n : self.length;
  const queries = o.heldOut ? l2NormalizeRows(o.heldOut.vectors, n, o.rowDim, p.dims) : await reflectedQueries(file, self, p.dims, o.threads, o.signal);
  const truth = await scanExactNeighbours(file, queries, n, p.dims, ks[ks.length - 1]!, o.threads, o.signal);
  const entries: BeamEntry[] = [];
  for (const k of ks) {
    let entry: BeamEntry | undefined;
    for (const ef of beamsToTry(k)) {
      const view = VectorIndex.view(p.path, { ...o.params, dims: p.dims, expansionSearch: ef }, o.numCells);
      const recall = recallAt(view.search(queries, k, o.threads), truth, k);
      entry = { prefix: p.prefix, k, ef, recall: Math.round(recall * 1e4) / 1e4 };
      if (recall >= o.recallTarget) break;
      await new Promise((r) => setImmediate(r));
    }
    entries.push(entry!);
  }
  return entries;
}

/** Calibrates every prefix of `o` (see the file comment), yielding to the event loop between scan chunks and beams. */
export async function calibrateBeams(o: CalibrateBeamsOptions): Promise<BeamTable> {
  const self = sampleRows(o.numCells, BEAM_SAMPLE);
  const file = new VectorFile(o.vectorsPath, o.rowDim, o.numCells);
  const progress = createProgress(`beams for recall@k ≥ ${o.recallTarget}`, o.prefixes.length);
  const entries: BeamEntry[] = [];
  try {
    for (const p of o.prefixes) {
      throwIfAborted(o.signal);
      entries.push(...(await calibratePrefix(file, o, p, self)));
      progress.increment(1);
    }
  } finally {
    progress.stop();
    file.close();
  }
  return { recallTarget: o.recallTarget, queries: o.heldOut ? 'held-out' : 'reflected', sample: o.heldOut ? o.heldOut.n : self.length, entries };
}

/** What calibration reads of an index folder's layout (the manifest's fields, or the build's before it has one). */
export type BeamLayout = Pick<IndexManifest, 'prefixes' | 'numCells' | 'numScales' | 'scaleDim' | 'quantization' | 'connectivity' | 'expansionAdd'>;

/** The calibration options of a built index folder's prefix files (the build's own, or `fractal-atlas calibrate`'s). */
export function beamOptionsOf(dir: string, m: BeamLayout, recallTarget: number, threads: number, signal?: AbortSignal): CalibrateBeamsOptions {
  return {
    prefixes: m.prefixes.map((p) => ({ prefix: p.prefix, path: join(dir, p.file), dims: p.dims })),
    vectorsPath: join(dir, INDEX_FILES.vectors),
    numCells: m.numCells,
    rowDim: m.numScales * m.scaleDim,
    params: { quantization: m.quantization, connectivity: m.connectivity, expansionAdd: m.expansionAdd },
    recallTarget,
    threads,
    signal,
  };
}

/**
 * Calibrates (or re-calibrates) the beams of a finished index folder for `recallTarget` and records them in its
 * manifest, without rebuilding: for folders built before beams existed or for another target. `heldOutOf`
 * gives the adapter outputs of held-out cells for the folder's manifest. A running server takes them at its
 * next start.
 */
export async function calibrateIndexBeams(dir: string, recallTarget: number, threads: number, heldOutOf?: (m: IndexManifest) => Promise<NonNullable<CalibrateBeamsOptions['heldOut']>>): Promise<IndexManifest> {
  const m = await readManifest(dir);
  const heldOut = heldOutOf ? await heldOutOf(m) : undefined;
  if (heldOut && heldOut.vectors.length !== heldOut.n * m.numScales * m.scaleDim) throw new AtlasError('wrong_dimension', `held-out vectors are not ${heldOut.n} × ${m.numScales * m.scaleDim} adapter outputs`);
  const updated: IndexManifest = { ...m, beams: await calibrateBeams({ ...beamOptionsOf(dir, m, recallTarget, threads), heldOut }) };
  await replaceManifest(dir, updated);
  return updated;
}
