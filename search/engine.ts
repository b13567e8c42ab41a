/**
 * The search engine of one thread: opens the memory-mapped indexes, the cell-id files and the adapter, and
 * answers already-validated requests over typed arrays. The service runs one engine per worker thread
 * (or one in-process); requests and answers are plain data so they cross thread boundaries cheaply.
 */
import { join } from 'node:path';
import { AtlasError, LEVEL_COLUMNS, firstNonFinite } from '../common/index.js';
import { loadEncoder, openAdapter, l2NormalizeRows, type Adapter, type AlignedCounts, type ExpressionEncoder } from '../adapter/index.js';
import { normalizedCentroid } from './vector-math.js';
import { CellIdReader, NO_CL_ID, viewLabelTable, INDEX_FILES, VectorIndex, VectorFile, type LabelTable, type IndexManifest } from '../index-files/index.js';
import { MaskCache, SubsetCache, searchFiltered, type SearchSpace } from './filtered-search.js';
import { findPlanNeighbours, funnelShortlistSize, readShortlist, rerankStored } from './annotate-plan.js';
import { annotateCells } from './annotate-cells.js';
import { SpaceViews } from './space-views.js';
import type { CompiledFilter, RowMask } from './label-filter.js';
import type { AnnotatePlan, CellAnnotation, Weighting } from './annotate-types.js';
import type { LabelSummary, SearchHit, SearchPlan, SearchQueryResult } from './search-types.js';
import type { Neighbours } from '../index-files/index.js';

/** What an engine needs to open (crosses to workers as workerData). */
export interface EngineInit {
  readonly dir: string;
  readonly manifest: IndexManifest;
  /** labels.bin contents (a SharedArrayBuffer when shared with workers). */
  readonly labelsBuffer: ArrayBufferLike;
  readonly adapterPath: string;
  /** Expression encoder ONNX (already checked against the manifest), or null: no counts queries. */
  readonly encoderPath?: string | null;
  readonly threads: number;
}

/** A validated search: prefix 0 = original index. Queries are embeddings, counts or reference rows. */
export interface EngineSearchRequest {
  readonly embeddings?: Float32Array;
  /** Counts aligned to the encoder's genes: encoded here, then treated as embeddings. */
  readonly expression?: AlignedCounts;
  readonly rows?: Int32Array;
  readonly n: number;
  readonly prefix: number;
  readonly k: number;
  readonly filter: CompiledFilter | null;
  readonly maxDist?: number;
  readonly centroid: boolean;
  readonly summary: boolean;
  /** Search beam for this request (a view of the prefix file opened with it); undefined = the index's beam for the prefix and k (searchBeam). */
  readonly ef?: number;
  /** `funnel`: shortlist at the shortest prefix, exact rerank at `prefix` (a no-op at the shortest prefix). */
  readonly plan?: SearchPlan;
  /** Return the results as JSON text (one string per query) in `resultsJson` instead of objects. */
  readonly serialize?: boolean;
}

export interface EngineSearchResponse {
  /** Empty when the request asked for `serialize`. */
  readonly results: SearchQueryResult[];
  /** Time in the expression encoder (0 without counts). */
  readonly encoderMs: number;
  /** One JSON object per query, when the request asked for `serialize`. */
  readonly resultsJson?: string[];
  readonly adapterMs: number;
  readonly searchMs: number;
}

export interface EngineAnnotateRequest {
  /** Exactly one of embeddings and expression. */
  readonly embeddings?: Float32Array;
  readonly expression?: AlignedCounts;
  readonly n: number;
  readonly k: number;
  readonly weighting: Weighting;
  readonly minConfidence: number;
  readonly filter: CompiledFilter | null;
  readonly outOfReferenceDistance: number;
  readonly plan: AnnotatePlan;
  /** Return the cells as JSON text (comma-separated objects) in `cellsJson` instead of objects. */
  readonly serialize?: boolean;
}

export interface EngineAnnotateResponse {
  /** Empty when the request asked for `serialize`. */
  readonly cells: CellAnnotation[];
  readonly cellsJson?: string;
  readonly encoderMs: number;
  readonly adapterMs: number;
  readonly searchMs: number;
  readonly voteMs: number;
}

export class SearchEngine {
  private readonly masks: MaskCache;
  private readonly views: SpaceViews;

  private constructor(
    dir: string,
    private readonly m: IndexManifest,
    private readonly labels: LabelTable,
    private readonly spaces: Map<number, SearchSpace>,
    private readonly cellIds: CellIdReader,
    private readonly adapter: Adapter,
    private readonly threads: number,
    private readonly ownsAdapter: boolean,
    private readonly encoder: ExpressionEncoder | null,
  ) {
    this.masks = new MaskCache(labels.levels, m.numCells);
    this.views = new SpaceViews(dir, m, spaces);
  }

  /** Opens every index (memory-mapped), checking dims and counts. `adapter` overrides opening one (tests). */
  static async open(init: EngineInit, adapter?: Adapter): Promise<SearchEngine> {
    const { dir, manifest: m, threads } = init;
    const params = { quantization: m.quantization, connectivity: m.connectivity, expansionAdd: m.expansionAdd, expansionSearch: m.expansionSearch };
    const width = m.numScales * m.scaleDim;
    const vectors = new VectorFile(join(dir, INDEX_FILES.vectors), width, m.numCells);
    const spaces = new Map<number, SearchSpace>();
    for (const p of m.prefixes) {
      spaces.set(p.prefix, { index: VectorIndex.view(join(dir, p.file), { dims: p.dims, ...params }, m.numCells), vectors, dims: p.dims, subsets: new SubsetCache() });
    }
    if (m.original) {
      const source = m.files.originalVectors ? new VectorFile(join(dir, m.files.originalVectors.file), m.inputDim, m.numCells) : vectors;
      spaces.set(0, { index: VectorIndex.view(join(dir, m.original.file), { dims: m.inputDim, ...params }, m.numCells), vectors: source, dims: m.inputDim, subsets: new SubsetCache() });
    }
    const cellIds = new CellIdReader(
      { ids: join(dir, INDEX_FILES.cellIds), offsets: join(dir, INDEX_FILES.cellIdOffsets), hash: join(dir, INDEX_FILES.cellIdHash) },
      m.numCells,
    );
    const a = adapter ?? (await openAdapter(init.adapterPath, { inputDim: m.inputDim, threads }));
    let encoder: ExpressionEncoder | null = null;
    try {
      if (init.encoderPath) encoder = await loadEncoder(init.encoderPath, { intraOpThreads: threads });
    } catch (err) {
      if (!adapter) await a.close();
      throw err;
    }
    return new SearchEngine(dir, m, viewLabelTable(init.labelsBuffer, m.numCells), spaces, cellIds, a, threads, !adapter, encoder);
  }

  /** Reference rows of cell ids (−1 for unknown ids). */
  lookupRows(ids: readonly string[]): Int32Array {
    return Int32Array.from(ids, (id) => this.cellIds.rowOf(id));
  }

  /** Normalised query vectors of a space, from embeddings (through the adapter) or from stored rows. */
  private async queryVectors(req: { embeddings?: Float32Array; rows?: Int32Array; n: number }, prefix: number, full?: Float32Array): Promise<Float32Array> {
    const space = this.spaces.get(prefix)!;
    if (req.rows) {
      const stored = space.vectors.readRows(req.rows);
      const bad = firstNonFinite(stored);
      if (bad >= 0) throw new AtlasError('index_corrupt', `the stored vector of reference row ${req.rows[Math.floor(bad / space.vectors.rowDim)]} is not finite: the index is damaged; rebuild it`);
      return l2NormalizeRows(stored, req.n, space.vectors.rowDim, space.dims);
    }
    if (prefix === 0) return l2NormalizeRows(req.embeddings!, req.n, this.m.inputDim, this.m.inputDim);
    return l2NormalizeRows(full!, req.n, this.m.numScales * this.m.scaleDim, space.dims);
  }

  /** Embeddings of a request: as given, or its counts through the encoder (counts → 128-d, same job). */
  private async embeddingsOf<R extends { embeddings?: Float32Array; expression?: AlignedCounts }>(req: R): Promise<R> {
    if (!req.expression) return req;
    if (!this.encoder) throw new AtlasError('invalid_request', 'this server has no expression encoder (serve --encoder FILE)');
    return { ...req, embeddings: await this.encoder.encode(req.expression), expression: undefined };
  }

  async search(request: EngineSearchRequest): Promise<EngineSearchResponse> {
    const te = performance.now();
    const req = await this.embeddingsOf(request);
    const t0 = performance.now();
    const full = req.embeddings && req.prefix !== 0 ? await this.adapter.embed(req.embeddings, req.n) : undefined;
    const t1 = performance.now();
    const space = this.views.at(req.prefix, req.k, req.ef);
    let queries = await this.queryVectors(req, req.prefix, full);
    let n = req.n;
    if (req.centroid) {
      queries = normalizedCentroid(queries, n, space.dims);
      n = 1;
    }
    const mask = req.filter ? this.masks.get(req.filter) : null;
    const nb = req.plan === 'funnel' ? await this.funnelSearch(req, space, queries, full, mask) : searchFiltered(space, queries, req.k, mask, this.threads);
    const results: SearchQueryResult[] = [];
    for (let q = 0; q < n; q++) {
      const hits: SearchHit[] = [];
      for (let i = 0; i < nb.k; i++) {
        const row = nb.rows[q * nb.k + i]!;
        const distance = nb.distances[q * nb.k + i]!;
        if (row < 0) break;
        if (req.maxDist !== undefined && distance > req.maxDist) break;
        hits.push(this.hit(row, distance));
      }
      results.push(req.summary ? { hits, summary: summarize(hits) } : { hits });
    }
    if (req.serialize) return { results: [], resultsJson: results.map((r) => JSON.stringify(r)), encoderMs: t0 - te, adapterMs: t1 - t0, searchMs: performance.now() - t1 };
    return { results, encoderMs: t0 - te, adapterMs: t1 - t0, searchMs: performance.now() - t1 };
  }

  /**
   * The funnel plan of one search: FUNNEL_SHORTLIST_FACTOR·k candidates from the shortest prefix's index
   * (same filter, beam and centroid rule), reranked exactly at the request's prefix. At the shortest prefix
   * itself it is the plain search.
   */
  private async funnelSearch(req: EngineSearchRequest, target: SearchSpace, queries: Float32Array, full: Float32Array | undefined, mask: RowMask | null): Promise<Neighbours> {
    const shortest = this.m.prefixes[0]!.prefix;
    if (req.prefix <= shortest) return searchFiltered(target, queries, req.k, mask, this.threads);
    const size = funnelShortlistSize(req.k, this.m.numCells);
    const short = this.views.at(shortest, size, req.ef);
    let shortQueries = await this.queryVectors(req, shortest, full);
    if (req.centroid) shortQueries = normalizedCentroid(shortQueries, req.n, short.dims);
    const shortlist = searchFiltered(short, shortQueries, size, mask, this.threads);
    const stored = readShortlist(shortlist, (rows) => target.vectors.readRows(rows));
    return rerankStored(shortlist, stored, target.vectors.rowDim, queries, target.dims, req.k);
  }

  private hit(row: number, distance: number): SearchHit {
    const v = this.m.vocabularies;
    const L = this.labels.levels;
    const cl = this.labels.clIds[row]!;
    const hit: Record<string, string | number | null> = { cell_id: this.cellIds.cellId(row), distance: Math.max(0, distance) };
    LEVEL_COLUMNS.forEach((c, l) => {
      const w = v[c][L[l]![row]!];
      if (w === undefined) throw new AtlasError('index_corrupt', `labels.bin has a code outside the ${c} vocabulary at row ${row}; rebuild the index`);
      hit[c] = w;
    });
    hit.cl_id = cl === NO_CL_ID ? null : (this.m.clIdVocabulary[cl] ?? null);
    return hit as unknown as SearchHit;
  }

  async annotate(request: EngineAnnotateRequest): Promise<EngineAnnotateResponse> {
    const te = performance.now();
    const req = await this.embeddingsOf(request);
    const t0 = performance.now();
    const full = await this.adapter.embed(req.embeddings!, req.n);
    const t1 = performance.now();
    const mask = req.filter ? this.masks.get(req.filter) : null;
    const width = this.m.numScales * this.m.scaleDim;
    const vectors = this.spaces.get(this.m.prefixes[0]!.prefix)!.vectors;
    const { prefixOf, byPrefix } = await findPlanNeighbours(req.plan, this.m, req.n, req.k, {
      queriesAt: (j) => this.queryVectors(req, j, full),
      search: (j, queries, k) => searchFiltered(this.views.at(j, k), queries, k, mask, this.threads),
      readStored: (rows) => vectors.readRows(rows),
      width,
      numCells: this.m.numCells,
    });
    const t2 = performance.now();
    const cells = annotateCells(this.m, this.labels, { prefixOf, byPrefix }, req);
    if (req.serialize) {
      const cellsJson = cells.map((c) => JSON.stringify(c)).join(',');
      return { cells: [], cellsJson, encoderMs: t0 - te, adapterMs: t1 - t0, searchMs: t2 - t1, voteMs: performance.now() - t2 };
    }
    return { cells, encoderMs: t0 - te, adapterMs: t1 - t0, searchMs: t2 - t1, voteMs: performance.now() - t2 };
  }

  async close(): Promise<void> {
    this.cellIds.close();
    const files = new Set<VectorFile>();
    for (const s of this.spaces.values()) files.add(s.vectors);
    for (const f of files) f.close();
    if (this.ownsAdapter) await this.adapter.close();
    await this.encoder?.close();
  }
}

/** Hit counts per label at every level. */
export function summarize(hits: readonly SearchHit[]): LabelSummary {
  const out = {} as LabelSummary;
  for (const c of LEVEL_COLUMNS) {
    const counts: Record<string, number> = {};
    for (const h of hits) counts[h[c]] = (counts[h[c]] ?? 0) + 1;
    out[c] = counts;
  }
  return out;
}
