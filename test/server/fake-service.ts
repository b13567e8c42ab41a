/**
 * A small in-memory AtlasIndexService for HTTP-layer tests: exact cosine search over a handful of reference
 * cells (identity "adapter", every level on its own prefix of a 4 × 1-d embedding). It records the queries it
 * receives so tests can check what the HTTP layer hands the service.
 */
import { AtlasError } from '../../common/index.js';
import type { AnnotateQuery, AnnotateResult, AtlasIndexService, CellAnnotation, InfoResult, LevelVote, SearchHit, SearchQuery, SearchResult } from '../../search/index.js';
import type { IndexManifest } from '../../index-files/index.js';
import { LEVEL_COLUMNS, shortLevelName, type LevelColumn } from '../../ontology/index.js';

export interface FakeCell {
  readonly id: string;
  readonly vector: readonly number[];
  readonly labels: readonly [string, string, string, string];
}

export const FAKE_CELLS: readonly FakeCell[] = [
  { id: 'c0', vector: [1, 0, 0, 0], labels: ['Immune', 'Lymphoid', 'T cell', 'CD4 T cell'] },
  { id: 'c1', vector: [0.9, 0.1, 0, 0], labels: ['Immune', 'Lymphoid', 'T cell', 'CD8 T cell'] },
  { id: 'c2', vector: [0, 1, 0, 0], labels: ['Immune', 'Myeloid', 'monocyte', 'classical monocyte'] },
  { id: 'c3', vector: [0, 0, 1, 0], labels: ['Epithelial', 'Epithelial', 'epithelial cell', 'type II pneumocyte'] },
  { id: 'c4', vector: [0, 0, 0, 1], labels: ['Neural', 'Neuron', 'neuron', 'interneuron'] },
];

function vocab(level: number): string[] {
  return [...new Set(FAKE_CELLS.map((c) => c.labels[level]!))].sort();
}

/** The fake's manifest: input dim 4, S = 4 scales of 1 dim, the four levels on prefixes 1..4. */
export function fakeManifest(overrides: Partial<IndexManifest> = {}): IndexManifest {
  const n = FAKE_CELLS.length;
  return {
    format: 'fractal-atlas-index',
    formatVersion: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    buildSeconds: 0.1,
    numCells: n,
    inputDim: 4,
    numScales: 4,
    scaleDim: 1,
    levelColumns: [...LEVEL_COLUMNS],
    levelPrefix: { level1_system: 1, level2_lineage: 2, level3_type: 3, level4_subtype: 4 },
    prefixes: [1, 2, 3, 4].map((j) => ({ prefix: j, file: `prefix-${j}.usearch`, dims: j, vectors: n, bytes: 100 })),
    original: null,
    metric: 'cos',
    quantization: 'f32',
    connectivity: 16,
    expansionAdd: 128,
    expansionSearch: 64,
    adapter: { sha256: 'identity', identity: true, file: 'identity' },
    atlas: { sha256: '0'.repeat(64), file: 'fake.parquet', bytes: 1 },
    vocabularies: Object.fromEntries(LEVEL_COLUMNS.map((c, i) => [c, vocab(i)])) as unknown as IndexManifest['vocabularies'],
    clIdVocabulary: [],
    labelCounts: Object.fromEntries(LEVEL_COLUMNS.map((c, i) => [c, vocab(i).map((l) => FAKE_CELLS.filter((x) => x.labels[i] === l).length)])) as unknown as IndexManifest['labelCounts'],
    levelTable: [],
    outOfReferenceDistance: 0.5,
    files: {
      labels: { file: 'labels.bin', bytes: 1 },
      cellIds: { file: 'cell-ids.bin', bytes: 1 },
      cellIdOffsets: { file: 'cell-id-offsets.bin', bytes: 1 },
      cellIdHash: { file: 'cell-id-hash.bin', bytes: 1 },
      vectors: { file: 'vectors.f32', bytes: 1 },
      originalVectors: null,
    },
    ...overrides,
  };
}

function cosineDistance(a: ArrayLike<number>, b: ArrayLike<number>, dims: number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < dims; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 1 : 1 - dot / Math.sqrt(na * nb);
}

function hitOf(cell: FakeCell, distance: number): SearchHit {
  return {
    cell_id: cell.id,
    distance,
    level1_system: cell.labels[0],
    level2_lineage: cell.labels[1],
    level3_type: cell.labels[2],
    level4_subtype: cell.labels[3],
    cl_id: null,
  };
}

export interface FakeServiceOptions {
  /** Whether ready() answers true (can be changed later through `setReady`). */
  readonly ready?: boolean;
  /** Milliseconds each search/annotate waits before answering (to test in-flight behaviour). */
  readonly delayMs?: number;
  /** Throw this from search() instead of answering. */
  readonly searchError?: unknown;
  readonly manifest?: Partial<IndexManifest>;
}

export interface FakeService extends AtlasIndexService {
  readonly searches: SearchQuery[];
  readonly annotations: AnnotateQuery[];
  closed: boolean;
  setReady(ready: boolean): void;
}

/** Creates the fake service. */
export function createFakeService(options: FakeServiceOptions = {}): FakeService {
  const manifest = fakeManifest(options.manifest);
  let ready = options.ready ?? true;
  const wait = () => new Promise((r) => setTimeout(r, options.delayMs ?? 0));

  function knn(q: ArrayLike<number>, dims: number, k: number): SearchHit[] {
    return FAKE_CELLS.map((c) => hitOf(c, cosineDistance(q, c.vector, dims)))
      .sort((a, b) => a.distance - b.distance)
      .slice(0, k);
  }

  const service: FakeService = {
    manifest,
    searches: [],
    annotations: [],
    closed: false,
    setReady(r) {
      ready = r;
    },
    ready: () => ready && !service.closed,
    info(): InfoResult {
      return {
        format_version: 1,
        num_cells: manifest.numCells,
        input_dim: manifest.inputDim,
        num_scales: manifest.numScales,
        scale_dim: manifest.scaleDim,
        levels: manifest.levelColumns.map((c) => ({ column: c, name: shortLevelName(c), prefix: manifest.levelPrefix[c]!, dims: manifest.levelPrefix[c]! })),
        prefixes: manifest.prefixes.map((p) => ({ prefix: p.prefix, dims: p.dims, vectors: p.vectors })),
        original: null,
        vocabularies: manifest.vocabularies,
        label_counts: {} as InfoResult['label_counts'],
        out_of_reference_distance: manifest.outOfReferenceDistance,
        adapter: manifest.adapter,
        build: {
          created_at: manifest.createdAt,
          build_seconds: manifest.buildSeconds,
          metric: 'cos',
          quantization: 'f32',
          connectivity: 16,
          expansion_add: 128,
          expansion_search: 64,
          atlas: manifest.atlas,
        },
        workers: 0,
        threads_per_worker: 1,
      };
    },
    async search(query): Promise<SearchResult> {
      service.searches.push(query);
      await wait();
      if (options.searchError !== undefined) throw options.searchError;
      const column = query.level as LevelColumn | undefined;
      const prefix = column !== undefined ? manifest.levelPrefix[column]! : (query.prefix ?? manifest.numScales);
      const rows: number[][] = [];
      if (query.embeddings) {
        for (let i = 0; i < query.n; i++) rows.push(Array.from(query.embeddings.subarray(i * 4, i * 4 + 4)));
      } else {
        for (const id of query.cellIds ?? []) {
          const cell = FAKE_CELLS.find((c) => c.id === id);
          if (!cell) throw new AtlasError('unknown_cell_id', `unknown cell id "${id}"`);
          rows.push([...cell.vector]);
        }
      }
      return {
        level: column ?? null,
        prefix,
        dims: prefix,
        k: query.k,
        results: rows.map((q) => ({ hits: knn(q, prefix, query.k) })),
        timings: { adapterMs: 0.5, searchMs: 1.5, totalMs: 2 },
      };
    },
    async annotate(query): Promise<AnnotateResult> {
      service.annotations.push(query);
      await wait();
      const cells: CellAnnotation[] = [];
      for (let i = 0; i < query.n; i++) {
        const q = query.embeddings!.subarray(i * 4, i * 4 + 4);
        const levels: Partial<Record<LevelColumn, LevelVote>> = {};
        const consistent: CellAnnotation['consistent'] = {};
        LEVEL_COLUMNS.forEach((c, li) => {
          const hits = knn(q, li + 1, query.k);
          const counts: Record<string, number> = {};
          for (const h of hits) counts[h[c]] = (counts[h[c]] ?? 0) + 1;
          const [label, best] = Object.entries(counts).sort((a, b) => b[1] - a[1])[0]!;
          const vote = { label, confidence: best / hits.length, hits: counts, hits_weighted: counts, vs2nd: 1, vsAll: best / hits.length, vs2nd_weighted: 1, vsAll_weighted: 1, min_dist: hits[0]!.distance, max_dist: hits.at(-1)!.distance, prefix: li + 1 };
          levels[c] = vote;
          consistent[c] = { label, confidence: vote.confidence };
        });
        const nearest = knn(q, 4, 1)[0]!.distance;
        cells.push({ levels, consistent, nearest_distance: nearest, out_of_reference: nearest > manifest.outOfReferenceDistance });
      }
      return {
        levels: manifest.levelColumns,
        k: query.k,
        weighting: query.weighting,
        minConfidence: query.minConfidence ?? 0,
        outOfReferenceDistance: manifest.outOfReferenceDistance,
        cells,
        timings: { adapterMs: 0.5, searchMs: 1, voteMs: 0.5, totalMs: 2 },
      };
    },
    async close() {
      service.closed = true;
    },
  };
  return service;
}
