/**
 * Index-backed evaluation: query cells searched against a built index (`fractal-atlas build`), per prefix
 * index and the original-embedding index, majority vote of the k nearest, accuracy and macro-F1 per level.
 * Cells come from a held-out file (then `/v1/annotate`'s own vote is scored too) or from the reference
 * itself, leaving each cell's own hit out (the seed's leave-one-out).
 */
import { stat } from 'node:fs/promises';
import { AtlasError, sha256File, shortLevelName, type LevelColumn } from '../common/index.js';
import { openAtlas } from '../atlas/index.js';
import { openAtlasIndex, type AtlasIndexService, type OpenAtlasIndexOptions, type SearchHit } from '../search/index.js';
import { readManifest, type IndexManifest } from '../index-files/index.js';
import { scoreCodes } from './knn-accuracy.js';
import { sampleAtlas, type AtlasSample } from './sample.js';

/** Options of {@link runIndexEvaluation}. */
export interface IndexEvaluationOptions {
  readonly indexDir: string;
  /** Atlas the index was built from: query cells are sampled from it, leave-one-out. */
  readonly referencePath?: string;
  /** Held-out atlas file to sample query cells from instead (not leave-one-out). */
  readonly queriesPath?: string;
  /** Adapter the index was built with (default "identity" when the manifest says so). */
  readonly adapterPath?: string;
  readonly samples?: number;
  readonly k?: number;
  readonly seed?: number;
  readonly log?: (line: string) => void;
  /** Opens the index service (default: index/'s openAtlasIndex, in-process). */
  readonly openService?: (dir: string, options: OpenAtlasIndexOptions) => Promise<AtlasIndexService>;
}

/** Scores of one level. */
export interface IndexLevelScore {
  readonly level: string;
  readonly accuracy: number;
  readonly macroF1: number;
}

/** One scored way of searching the index. */
export interface IndexEvalRow {
  /** `original`, `prefix<j>`, `served` or `annotate`. */
  readonly key: string;
  readonly name: string;
  readonly dims: number;
  /** Prefix searched; 0 for the original index; null for rows that mix prefixes per level. */
  readonly prefix: number | null;
  readonly levels: readonly IndexLevelScore[];
}

/** Everything `fractal-atlas eval --index --json` prints. */
export interface IndexEvaluationReport {
  readonly index: { readonly dir: string; readonly cells: number; readonly quantization: string; readonly numScales: number; readonly scaleDim: number; readonly withOriginal: boolean };
  readonly queries: { readonly file: string; readonly n: number; readonly seed: number; readonly leaveOneOut: boolean };
  readonly k: number;
  readonly levelColumns: readonly string[];
  readonly rows: readonly IndexEvalRow[];
  readonly seconds: number;
}

/** The label most of `labels` carry (nearest first); a tie goes to the label of the nearest among them. */
export function majorityLabel(labels: readonly string[]): string {
  if (labels.length === 0) throw new AtlasError('invalid_argument', 'majority of no labels');
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  let best = labels[0];
  let bestCount = 0;
  for (const l of labels) {
    const c = counts.get(l)!;
    if (c > bestCount) {
      best = l;
      bestCount = c;
    }
  }
  return best;
}

/**
 * The k hits that count for one query: nearest first, the query's own reference cell dropped (once) when
 * `selfId` is given, at most k.
 */
export function selectHits(hits: readonly SearchHit[], k: number, selfId: string | null): SearchHit[] {
  const out: SearchHit[] = [];
  let skipped = false;
  for (const h of hits) {
    if (!skipped && selfId !== null && h.cell_id === selfId) {
      skipped = true;
      continue;
    }
    if (out.length === k) break;
    out.push(h);
  }
  return out;
}

/** Label codes of one level: truth from the sample; predictions coded into the same table. */
class Coder {
  private readonly map = new Map<string, number>();
  constructor(dictionary: readonly string[]) {
    dictionary.forEach((l, i) => this.map.set(l, i));
  }
  code(label: string): number {
    let c = this.map.get(label);
    if (c === undefined) {
      c = this.map.size;
      this.map.set(label, c);
    }
    return c;
  }
}

const CHUNK = 256;

function scoreLevels(columns: readonly LevelColumn[], sample: AtlasSample, predicted: readonly Int32Array[]): IndexLevelScore[] {
  return columns.map((c, i) => {
    const s = scoreCodes(sample.codes[c], predicted[i]);
    return { level: shortLevelName(c), accuracy: s.accuracy, macroF1: s.macroF1 };
  });
}

/**
 * Leave-one-out scores are only meaningful on the atlas the index was built from: its size and sha256 must be
 * the manifest's (a changed atlas otherwise scores its own cells against someone else's labels).
 */
async function checkIndexedAtlas(path: string, manifest: IndexManifest): Promise<void> {
  const expected = manifest.atlas;
  let bytes: number;
  try {
    bytes = (await stat(path)).size;
  } catch {
    throw new AtlasError('file_not_found', `atlas not found: ${path}`);
  }
  const why = `the index was built from ${expected.file} (${expected.bytes} bytes, sha256 ${expected.sha256.slice(0, 12)}…)`;
  if (bytes !== expected.bytes) throw new AtlasError('index_mismatch', `${path} is not the atlas of this index: it has ${bytes} bytes, ${why}; pass that atlas, or held-out cells with --queries`);
  const sha = await sha256File(path);
  if (sha !== expected.sha256) throw new AtlasError('index_mismatch', `${path} is not the atlas of this index: sha256 ${sha.slice(0, 12)}…, ${why}; pass that atlas, or held-out cells with --queries`);
}

/** The index's manifest, the adapter to open it with, and the sampled query cells. */
async function prepareQueries(options: IndexEvaluationOptions, seed: number) {
  const leaveOneOut = options.queriesPath === undefined;
  const source = options.queriesPath ?? options.referencePath;
  if (source === undefined) throw new AtlasError('invalid_argument', 'eval --index needs --reference (the indexed atlas, leave-one-out) or --queries (held-out cells)');
  const manifest = await readManifest(options.indexDir);
  const adapterPath = options.adapterPath ?? (manifest.adapter.identity ? 'identity' : undefined);
  if (adapterPath === undefined) {
    throw new AtlasError('invalid_argument', `eval --index: the index was built with adapter ${manifest.adapter.file} (the manifest keeps its name and sha256, not its path); give that file with --adapter`);
  }
  if (leaveOneOut) await checkIndexedAtlas(source, manifest);
  const reader = await openAtlas(source);
  if (reader.dim !== manifest.inputDim) {
    throw new AtlasError('index_mismatch', `${source} has ${reader.dim}-d embeddings, the index takes ${manifest.inputDim}-d`);
  }
  const sample = await sampleAtlas(reader, options.samples ?? 5000, seed);
  if (sample.n === 0) throw new AtlasError('invalid_atlas', `${source} has no cells`);
  if (!sample.cellIds.every((id) => id !== undefined)) throw new AtlasError('invalid_atlas', `${source}: missing cell ids`);
  return { source, manifest, adapterPath, sample, leaveOneOut: options.queriesPath === undefined };
}

/** Per level, the code of each query's predicted label, for one way of asking the service. */
type Predict = () => Promise<Int32Array[]>;

/** Scores every prefix index (and the original one), the served mapping and, for held-out cells, annotate. */
/** The table row name of prefix index `prefix`: with the identity adapter, prefix 1 is the original embedding. */
export function indexRowName(identity: boolean, prefix: number, numScales: number): string {
  if (identity) return 'Original (identity adapter)';
  return prefix === numScales ? `Fractal (full = prefix ${prefix})` : `Fractal (prefix ${prefix})`;
}

async function scoreRows(service: AtlasIndexService, sample: AtlasSample, k: number, leaveOneOut: boolean, log: (line: string) => void): Promise<IndexEvalRow[]> {
  const m = service.manifest;
  const columns = m.levelColumns;
  const coders = columns.map((c) => new Coder(sample.dictionaries[c]));
  const dim = sample.dim;
  const inChunks = async (each: (s: number, n: number, predicted: Int32Array[]) => Promise<void>) => {
    const predicted = columns.map(() => new Int32Array(sample.n));
    for (let s = 0; s < sample.n; s += CHUNK) await each(s, Math.min(CHUNK, sample.n - s), predicted);
    return predicted;
  };
  const searchVotes = (target: { prefix?: number; original?: boolean }): Predict => () =>
    inChunks(async (s, n, predicted) => {
      const res = await service.search({ embeddings: sample.embeddings.subarray(s * dim, (s + n) * dim), n, k: leaveOneOut ? k + 1 : k, ...target });
      res.results.forEach((r, q) => {
        const hits = selectHits(r.hits, k, leaveOneOut ? sample.cellIds[s + q] : null);
        columns.forEach((c, i) => (predicted[i][s + q] = hits.length === 0 ? -1 : coders[i].code(majorityLabel(hits.map((h) => h[c])))));
      });
    });
  const annotateVotes: Predict = () =>
    inChunks(async (s, n, predicted) => {
      const res = await service.annotate({ embeddings: sample.embeddings.subarray(s * dim, (s + n) * dim), n, k, weighting: 'uniform' });
      res.cells.forEach((cell, q) => columns.forEach((c, i) => (predicted[i][s + q] = coders[i].code(cell.levels[c]?.label ?? ''))));
    });
  const rows: IndexEvalRow[] = [];
  if (m.original) {
    log('eval: searching the original-embedding index');
    rows.push({ key: 'original', name: 'Original (index)', dims: m.original.dims, prefix: 0, levels: scoreLevels(columns, sample, await searchVotes({ original: true })()) });
  }
  for (const entry of m.prefixes) {
    log(`eval: searching prefix ${entry.prefix} (${entry.dims} dims)`);
    const name = indexRowName(m.adapter.identity, entry.prefix, m.numScales);
    rows.push({ key: `prefix${entry.prefix}`, name, dims: entry.dims, prefix: entry.prefix, levels: scoreLevels(columns, sample, await searchVotes({ prefix: entry.prefix })()) });
  }
  // What annotate serves: each level scored at the prefix the manifest assigns to it.
  const served = columns.map((c, i) => {
    const j = m.levelPrefix[c];
    const row = rows.find((r) => r.prefix === j);
    if (!row) throw new AtlasError('index_mismatch', `manifest maps ${c} to prefix ${j}, which the index lacks`);
    return row.levels[i];
  });
  rows.push({ key: 'served', name: 'Served (level → its prefix)', dims: 0, prefix: null, levels: served });
  if (!leaveOneOut) {
    log('eval: annotating through the service');
    rows.push({ key: 'annotate', name: 'Annotate (service vote)', dims: 0, prefix: null, levels: scoreLevels(columns, sample, await annotateVotes()) });
  }
  return rows;
}

/** Samples query cells, searches every prefix index (and the original one), votes and scores. */
export async function runIndexEvaluation(options: IndexEvaluationOptions): Promise<IndexEvaluationReport> {
  const t0 = performance.now();
  const log = options.log ?? (() => {});
  const k = options.k ?? 5;
  const seed = options.seed ?? 0;
  const { source, manifest, adapterPath, sample, leaveOneOut } = await prepareQueries(options, seed);
  const open = options.openService ?? openAtlasIndex;
  log(`eval: opening index ${options.indexDir} (${manifest.numCells} cells)`);
  const service = await open(options.indexDir, { adapterPath, workers: 0, threadsPerWorker: 1 });
  try {
    const rows = await scoreRows(service, sample, k, leaveOneOut, log);
    const m = service.manifest;
    return {
      index: { dir: options.indexDir, cells: m.numCells, quantization: m.quantization, numScales: m.numScales, scaleDim: m.scaleDim, withOriginal: m.original !== null },
      queries: { file: source, n: sample.n, seed, leaveOneOut },
      k,
      levelColumns: m.levelColumns,
      rows,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await service.close();
  }
}
