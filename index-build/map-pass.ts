/**
 * The build's reference-map step: a stratified sample of the reference (by subtype), the sample's kNN graph
 * (usearch), a seeded UMAP layout (reference-map/), written as map.bin. It reads only an index folder's own
 * files (labels.bin, vectors.f32, cell ids), so the build runs it on its temp folder before the manifest, and
 * {@link addReferenceMap} runs it on a finished folder.
 */
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AtlasError, createProgress } from '../common/index.js';
import { LEVEL_COLUMNS, type LevelColumn } from '../common/index.js';
import { LINEAGE_ANCHORS, STEM_ANCHOR, SYSTEM_ANCHORS } from '../ontology/index.js';
import { l2NormalizeRows } from '../adapter/index.js';
import { encodeMapFile, layoutUmap, sampleStratified, type NeighbourGraph } from '../reference-map/index.js';
import {
  checksumFile,
  CellIdReader,
  INDEX_FILES,
  NO_CL_ID,
  VectorFile,
  VectorIndex,
  exactNeighbours,
  loadLabelTable,
  readManifest,
  replaceManifest,
  type IndexManifest,
  type LabelTable,
  type MapFileEntry,
} from '../index-files/index.js';
import { throwIfAborted } from './embed-pass.js';

/** Options of the map step (`build --map-size`, `--map-seed`). */
export interface ReferenceMapOptions {
  /** Cells to lay out (fewer when the reference has fewer). */
  readonly size?: number;
  readonly seed?: number;
  /** Neighbours per point of the UMAP graph. */
  readonly neighbours?: number;
  /** UMAP epochs (default: umap-js's own for the sample size). */
  readonly epochs?: number;
  readonly threads?: number;
  readonly signal?: AbortSignal;
}

/**
 * Defaults. 20,000 points take about 30 s (idle) to 90 s (busy 2-core machine) of umap-js epochs; 50,000
 * take 2.5× that, so larger maps are opt-in (README "The web page").
 */
export const MAP_DEFAULTS = { size: 20_000, seed: 1, neighbours: 15, maxSize: 200_000 } as const;
/** Below this many points the kNN graph is exact; above, an HNSW index over the sample. */
const EXACT_GRAPH_POINTS = 5_000;

/** What the map step needs of the manifest (the build calls it before the manifest exists). */
type MapInputs = Pick<IndexManifest, 'numCells' | 'numScales' | 'scaleDim' | 'vocabularies' | 'clIdVocabulary'>;

/** Computes and writes map.bin in `dir`; returns its manifest entry. */
export async function writeReferenceMap(dir: string, m: MapInputs, options: ReferenceMapOptions = {}): Promise<MapFileEntry> {
  const started = performance.now();
  const size = options.size ?? MAP_DEFAULTS.size;
  const seed = options.seed ?? MAP_DEFAULTS.seed;
  const k = options.neighbours ?? MAP_DEFAULTS.neighbours;
  if (!Number.isSafeInteger(size) || size < 1 || size > MAP_DEFAULTS.maxSize) throw new AtlasError('invalid_argument', `map size must be an integer in [1, ${MAP_DEFAULTS.maxSize}], got ${size}`);
  if (!Number.isSafeInteger(k) || k < 2 || k > 100) throw new AtlasError('invalid_argument', `map neighbours must be an integer in [2, 100], got ${k}`);
  const N = m.numCells;
  if (Math.min(size, N) <= k) throw new AtlasError('invalid_argument', `a reference map needs more than ${k} cells; this reference has ${N} (build with --no-map)`);
  const labels = await loadLabelTable(join(dir, INDEX_FILES.labels), N);
  const subtypes = labels.levels[LEVEL_COLUMNS.length - 1]!;
  const rows = sampleStratified(subtypes, m.vocabularies.level4_subtype.length, { size: Math.min(size, N), seed });
  const n = rows.length;
  const rowDim = m.numScales * m.scaleDim;
  const vectorFile = new VectorFile(join(dir, INDEX_FILES.vectors), rowDim, N);
  let vectors: Float32Array;
  try {
    vectors = l2NormalizeRows(vectorFile.readRows(rows), n, rowDim, rowDim);
  } finally {
    vectorFile.close();
  }
  throwIfAborted(options.signal);
  const graph = neighbourGraph(vectors, n, rowDim, k, options.threads ?? 1);
  const graphSeconds = Math.round(performance.now() - started) / 1000;
  const progress = createProgress('map layout (epochs)', 1);
  let shown = 0;
  let layout;
  try {
    layout = await layoutUmap(graph, {
      seed,
      epochs: options.epochs,
      onProgress: (done, total) => {
        progress.setTotal(total);
        progress.increment(done - shown);
        shown = done;
        throwIfAborted(options.signal);
      },
    });
  } finally {
    progress.stop();
  }
  const ids = readCellIds(dir, N, rows);
  const seconds = Math.round(performance.now() - started) / 1000;
  const bytes = encodeMapFile({
    header: {
      reference_cells: N,
      level_table: levelTuples(labels, N),
      cl_ids: clIdsPerLevel(labels, m, N),
      layout: { method: 'umap-js', seed, neighbours: k, epochs: layout.epochs, seconds, graph_seconds: graphSeconds },
    },
    xy: layout.xy,
    rows,
    codes: LEVEL_COLUMNS.map((_, l) => Uint16Array.from(rows, (r) => labels.levels[l]![r]!)),
    ids,
  });
  await writeFile(join(dir, INDEX_FILES.map), bytes);
  return { file: INDEX_FILES.map, bytes: bytes.length, xxh64: await checksumFile(join(dir, INDEX_FILES.map)), points: n, seconds };
}

/**
 * Adds (or replaces) the reference map of a finished index folder: writes map.bin, then the manifest with
 * its entry (written beside and renamed, so the folder never has a manifest that disagrees with its files).
 */
export async function addReferenceMap(indexDir: string, options: ReferenceMapOptions = {}): Promise<IndexManifest> {
  const manifest = await readManifest(indexDir);
  const map = await writeReferenceMap(indexDir, manifest, options);
  const updated: IndexManifest = { ...manifest, map };
  await replaceManifest(indexDir, updated);
  if ((await stat(join(indexDir, INDEX_FILES.map))).size !== map.bytes) throw new AtlasError('internal', 'map.bin changed while the manifest was written');
  return updated;
}

/** Each point's k nearest other points of the sample (cosine distance). */
function neighbourGraph(vectors: Float32Array, n: number, dim: number, k: number, threads: number): NeighbourGraph {
  let found;
  if (n <= EXACT_GRAPH_POINTS) {
    found = exactNeighbours(vectors, vectors, dim, k + 1, threads);
  } else {
    const index = VectorIndex.create({ dims: dim, quantization: 'f32', connectivity: 16, expansionAdd: 128, expansionSearch: 128 });
    index.add(0, vectors, threads);
    found = index.search(vectors, k + 1, threads);
  }
  const indices = new Int32Array(n * k);
  const distances = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    let o = 0;
    for (let j = 0; j <= k && o < k; j++) {
      const r = found.rows[i * (k + 1) + j]!;
      if (r === i || r < 0) continue;
      indices[i * k + o] = r;
      distances[i * k + o] = Math.max(0, found.distances[i * (k + 1) + j]!);
      o++;
    }
    // An approximate search that found too few: pad with the farthest neighbour found (or the next point).
    for (; o < k; o++) {
      indices[i * k + o] = o > 0 ? indices[i * k + o - 1]! : (i + 1) % n;
      distances[i * k + o] = o > 0 ? distances[i * k + o - 1]! : 1;
    }
  }
  return { n, k, indices, distances };
}

function readCellIds(dir: string, N: number, rows: Uint32Array): string[] {
  const reader = new CellIdReader({ ids: join(dir, INDEX_FILES.cellIds), offsets: join(dir, INDEX_FILES.cellIdOffsets), hash: join(dir, INDEX_FILES.cellIdHash) }, N);
  try {
    return Array.from(rows, (r) => reader.cellId(r));
  } finally {
    reader.close();
  }
}

/** Every (level1..level4) code tuple with its number of cells: `[c1, c2, c3, c4, cells]`. */
function levelTuples(labels: LabelTable, N: number): number[][] {
  const [l1, l2, l3, l4] = labels.levels as [Uint16Array, Uint16Array, Uint16Array, Uint16Array];
  const bySubtype = new Map<number, Map<number, number>>();
  for (let r = 0; r < N; r++) {
    let inner = bySubtype.get(l4[r]!);
    if (!inner) bySubtype.set(l4[r]!, (inner = new Map()));
    const key = (l1[r]! * 65536 + l2[r]!) * 65536 + l3[r]!;
    inner.set(key, (inner.get(key) ?? 0) + 1);
  }
  const out: number[][] = [];
  for (const [c4, inner] of bySubtype) {
    for (const [key, cells] of inner) out.push([Math.floor(key / 2 ** 32), Math.floor(key / 65536) % 65536, key % 65536, c4, cells]);
  }
  return out.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]! || a[3]! - b[3]!);
}

/**
 * Cell Ontology id per label and level: subtypes from the atlas's cl_id column, systems and lineages from
 * the anchors they are named after, and a type from the subtype of the same name where there is one.
 */
function clIdsPerLevel(labels: LabelTable, m: MapInputs, N: number): Record<LevelColumn, (string | null)[]> {
  const subtype = new Array<string | null>(m.vocabularies.level4_subtype.length).fill(null);
  const l4 = labels.levels[3]!;
  for (let r = 0; r < N; r++) {
    const c = labels.clIds[r]!;
    if (subtype[l4[r]!] === null && c !== NO_CL_ID) subtype[l4[r]!] = m.clIdVocabulary[c] ?? null;
  }
  const byName = new Map<string, string>();
  m.vocabularies.level4_subtype.forEach((name, i) => subtype[i] && byName.set(name, subtype[i]!));
  for (const a of [...SYSTEM_ANCHORS, STEM_ANCHOR, ...LINEAGE_ANCHORS]) byName.set(a.name, a.id);
  const lookup = (c: LevelColumn) => m.vocabularies[c].map((name) => byName.get(name) ?? null);
  return { level1_system: lookup('level1_system'), level2_lineage: lookup('level2_lineage'), level3_type: lookup('level3_type'), level4_subtype: subtype };
}
