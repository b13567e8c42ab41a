/**
 * `openAtlasIndex`: verifies an index folder against its manifest and adapter, then serves search and
 * annotate from a pool of worker threads (or in-process with `workers: 0`). The main thread only validates,
 * splits requests into chunks and merges answers; the memory-mapped indexes make start-up independent of
 * the atlas size (only labels.bin, 10 bytes per cell, is read, asynchronously, into one shared buffer).
 */
import { join, resolve } from 'node:path';
import { AtlasError, LEVEL_COLUMNS, clipText, quoteInput, sha256File, shortLevelName, type LevelColumn } from '../common/index.js';
import { IDENTITY_ADAPTER, adapterSha256, createGeneIndex, readEncoderMetadata, sliceCounts, type Adapter, type AlignedCounts } from '../adapter/index.js';
import { loadLabelTable, INDEX_FILES, checkAdapterHash, checkEncoderHash, checkLabelCodes, checkVerifyMode, readManifest, verifyIndexFiles, type IndexManifest } from '../index-files/index.js';
import type { EngineInit, EngineSearchRequest } from './engine.js';
import { checkAnnotate, checkSearch } from './query-guards.js';
import { planPrefixes } from './annotate-plan.js';
import { cheapHere, openRunner, type Runner } from './runner.js';
import { SearchCoalescer, canCoalesce } from './search-coalescer.js';
import type { AnnotateQuery, AnnotateResult, CellAnnotation, SerializedAnnotateResult } from './annotate-types.js';
import type { SearchQuery, SearchQueryResult, SearchResult, SerializedSearchResult } from './search-types.js';
import type { AtlasIndexService, ExpressionModel, InfoResult, OpenAtlasIndexOptions } from './service-types.js';

/**
 * Chunk sizes: a big request is cut into jobs of a few milliseconds each (measured in BENCHMARKS.md
 * "Fairness"), and the pool takes jobs round-robin across requests, so a one-cell request waits for at most
 * one job per worker. Rows per job shrink as k grows: the work of one query is about proportional to k.
 */
export const ANNOTATE_CHUNK = 32;
/** Most queries per search job. */
export const SEARCH_CHUNK = 64;
const SEARCH_CHUNK_HITS = 512;
/** Neighbours found per annotate job, over all its searches (512 hits × the 4 searches of plan per-level). */
const ANNOTATE_CHUNK_HITS = 2048;
const LOOKUP_CHUNK = 1024;

/** Queries per search job at this k. */
export function searchChunkRows(k: number): number {
  return Math.max(1, Math.min(SEARCH_CHUNK, Math.floor(SEARCH_CHUNK_HITS / k)));
}

/** Cells per annotate job at this k, for a plan making `searches` searches per cell. */
export function annotateChunkRows(k: number, searches = 1): number {
  return Math.max(1, Math.min(ANNOTATE_CHUNK, Math.floor(ANNOTATE_CHUNK_HITS / (k * searches))));
}

/** Test hook: an adapter object for the in-process engine (workers: 0) instead of opening adapterPath. */
export interface OpenHooks {
  readonly adapter?: Adapter;
}

/** Opens an index folder; index_mismatch (one clear message) when manifest, files or adapter disagree. */
export async function openAtlasIndex(dir: string, options: OpenAtlasIndexOptions, hooks: OpenHooks = {}): Promise<AtlasIndexService> {
  const abs = resolve(dir);
  const workers = options.workers ?? 2;
  const threads = options.threadsPerWorker ?? 1;
  if (!Number.isSafeInteger(workers) || workers < 0 || workers > 64) throw new AtlasError('invalid_argument', `workers must be an integer in [0, 64], got ${workers}`);
  if (!Number.isSafeInteger(threads) || threads < 1 || threads > 256) throw new AtlasError('invalid_argument', `threadsPerWorker must be an integer in [1, 256], got ${threads}`);
  if (hooks.adapter && workers !== 0) throw new AtlasError('invalid_argument', 'an adapter object can only be used in-process (workers: 0)');
  const verify = checkVerifyMode(options.verify ?? 'full');
  const manifest = await readManifest(abs);
  await verifyIndexFiles(abs, manifest, verify);
  const adapterPath = options.adapterPath === IDENTITY_ADAPTER ? IDENTITY_ADAPTER : resolve(options.adapterPath);
  checkAdapterHash(abs, manifest, await adapterSha256(adapterPath), options.adapterPath);
  const expression = options.encoderPath !== undefined ? await openExpressionModel(abs, manifest, resolve(options.encoderPath)) : null;
  const labels = await loadLabelTable(join(abs, INDEX_FILES.labels), manifest.numCells);
  // Codes outside a vocabulary would give hits without labels; labels.bin is read once, so this holds for good.
  if (verify !== 'none') checkLabelCodes(abs, manifest, labels.levels, labels.clIds);
  const init: EngineInit = { dir: abs, manifest, labelsBuffer: labels.buffer, adapterPath, encoderPath: expression?.file ?? null, threads };
  const runner = await openRunner(init, workers, hooks.adapter, options.keepWorkerFree ?? true);
  return new IndexService(manifest, runner, workers, threads, expression);
}

/** Checks the encoder against the manifest and reads its gene order (the workers open the sessions). */
async function openExpressionModel(dir: string, manifest: IndexManifest, path: string): Promise<ExpressionModel> {
  checkEncoderHash(dir, manifest, await sha256File(path), path);
  const meta = await readEncoderMetadata(path);
  return { genes: createGeneIndex(meta.genes, meta.geneRank), numGenes: meta.numGenes, latentDim: meta.latentDim, file: path };
}

/** Rows [s, e) of a request's per-cell inputs, whichever it has. */
function sliceInputs(q: { embeddings?: Float32Array; expression?: AlignedCounts }, s: number, e: number, dim: number) {
  return {
    embeddings: q.embeddings ? q.embeddings.slice(s * dim, e * dim) : undefined,
    expression: q.expression ? sliceCounts(q.expression, s, e) : undefined,
  };
}

/** Per-phase worker time summed over a request's chunks. */
function sumTimings<K extends string>(answers: readonly Readonly<Record<K, number>>[], keys: readonly K[]): Record<K, number> {
  const sums = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  for (const a of answers) for (const k of keys) sums[k] += a[k];
  return sums;
}

function chunks(n: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += size) out.push([s, Math.min(n, s + size)]);
  return out;
}

/**
 * The JSON text of `{...head, [key]: [...items], timings}` as pieces whose concatenation is the document (the
 * same key order as the object form), so a large answer is written piece by piece and never becomes one
 * string (V8 strings end at ~512 MiB). `json` joins them, for callers that want one string.
 */
function serializedParts(head: object, key: string, items: readonly string[], timings: object): { parts: readonly string[]; readonly json: string } {
  const parts = [`${JSON.stringify(head).slice(0, -1)},"${key}":[`];
  items.forEach((item, i) => parts.push(i === 0 ? item : `,${item}`));
  parts.push(`],"timings":${JSON.stringify(timings)}}`);
  return {
    parts,
    get json() {
      return parts.join('');
    },
  };
}

class IndexService implements AtlasIndexService {
  private open = true;
  /** Each request's jobs share one lane of the worker pool's round-robin. */
  private nextLane = 1;
  /** Small concurrent searches share jobs (one lane per job). */
  private readonly coalescer: SearchCoalescer;

  constructor(
    readonly manifest: IndexManifest,
    private readonly runner: Runner,
    private readonly workers: number,
    private readonly threads: number,
    readonly expression: ExpressionModel | null,
  ) {
    // One engine stays free for other requests, as the pool keeps one free of any request (issue 13); a
    // search alone in an idle service runs on this thread when the runner can (no worker hop).
    const run = (request: EngineSearchRequest, alone: boolean) =>
      alone && runner.searchHere && runner.idle() && cheapHere(request, manifest.expansionSearch) ? runner.searchHere(request) : runner.run({ op: 'search', request }, this.nextLane++);
    this.coalescer = new SearchCoalescer(run, Math.max(1, runner.parallelism - 1), searchChunkRows);
  }

  ready(): boolean {
    return this.open && this.runner.alive();
  }

  private check(): void {
    if (!this.open) throw new AtlasError('not_ready', 'the index service is closed');
  }

  info(): InfoResult {
    const m = this.manifest;
    const labelCounts = {} as Record<LevelColumn, Record<string, number>>;
    for (const c of LEVEL_COLUMNS) {
      labelCounts[c] = Object.fromEntries(m.vocabularies[c].map((w, i) => [w, m.labelCounts[c]?.[i] ?? 0]));
    }
    return {
      format_version: m.formatVersion,
      num_cells: m.numCells,
      input_dim: m.inputDim,
      num_scales: m.numScales,
      scale_dim: m.scaleDim,
      levels: m.levelColumns.map((c) => ({ column: c, name: shortLevelName(c), prefix: m.levelPrefix[c]!, dims: m.levelPrefix[c]! * m.scaleDim })),
      prefixes: m.prefixes.map((p) => ({ prefix: p.prefix, dims: p.dims, vectors: p.vectors })),
      original: m.original ? { dims: m.original.dims, vectors: m.original.vectors } : null,
      vocabularies: m.vocabularies,
      label_counts: labelCounts,
      out_of_reference_distance: m.outOfReferenceDistance,
      adapter: m.adapter,
      encoder: m.encoder ? { ...m.encoder, loaded: this.expression !== null } : null,
      build: {
        created_at: m.createdAt,
        build_seconds: m.buildSeconds,
        metric: m.metric,
        quantization: m.quantization,
        connectivity: m.connectivity,
        expansion_add: m.expansionAdd,
        expansion_search: m.expansionSearch,
        beams: m.beams ? { recall_target: m.beams.recallTarget, queries: m.beams.queries, sample: m.beams.sample, entries: m.beams.entries } : null,
        atlas: m.atlas,
      },
      workers: this.workers,
      threads_per_worker: this.threads,
    };
  }

  private async searchChunks(query: SearchQuery, serialize: boolean) {
    this.check();
    const t0 = performance.now();
    const v = checkSearch(query, this.manifest, this.expression?.numGenes ?? null);
    const lane = this.nextLane++;
    let rows: Int32Array | undefined;
    if (v.cellIds) {
      const ids = v.cellIds;
      const found = await Promise.all(chunks(ids.length, LOOKUP_CHUNK).map(([s, e]) => this.runner.run({ op: 'lookup', ids: ids.slice(s, e) }, lane)));
      rows = new Int32Array(ids.length);
      let at = 0;
      for (const f of found) rows.set(f, (at += f.length) - f.length);
      const unknown = ids.filter((_, i) => rows![i]! < 0);
      if (unknown.length > 0) {
        const shown = unknown.slice(0, 5).map((id) => quoteInput(id)).join(', ');
        throw new AtlasError('unknown_cell_id', `unknown cell id${unknown.length > 1 ? 's' : ''}: ${shown}${unknown.length > 5 ? ` (and ${unknown.length - 5} more)` : ''}`, { unknown: unknown.slice(0, 100).map((id) => clipText(id)) });
      }
    }
    const base = v.request;
    const parts = base.centroid ? [[0, base.n] as [number, number]] : chunks(base.n, searchChunkRows(base.k));
    const answers = await Promise.all(
      parts.map(([s, e]) => {
        const request: EngineSearchRequest = {
          ...base,
          serialize,
          n: e - s,
          ...sliceInputs(base, s, e, this.manifest.inputDim),
          rows: rows ? rows.slice(s, e) : undefined,
        };
        // Only a request of one chunk: a big request's chunks keep its own lane (fair queueing).
        return parts.length === 1 && canCoalesce(request, searchChunkRows(base.k)) ? this.coalescer.submit(request) : this.runner.run({ op: 'search', request }, lane);
      }),
    );
    const { encoderMs, adapterMs, searchMs } = sumTimings(answers, ['encoderMs', 'adapterMs', 'searchMs']);
    const head = { level: v.target.level, prefix: v.target.prefix, dims: v.target.dims, k: base.k };
    return { head, answers, n: base.n, timings: { encoderMs, adapterMs, searchMs, totalMs: performance.now() - t0 } };
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    const { head, answers, timings } = await this.searchChunks(query, false);
    const results: SearchQueryResult[] = [];
    for (const a of answers) for (const r of a.results) results.push(r);
    return { ...head, results, timings };
  }

  async searchJson(query: SearchQuery): Promise<SerializedSearchResult> {
    const { head, answers, n, timings } = await this.searchChunks(query, true);
    return { ...serializedParts(head, 'results', answers.map((a) => a.resultsJson!.join(',')), timings), n, level: head.level, prefix: head.prefix, timings };
  }

  private async annotateChunks(query: AnnotateQuery, serialize: boolean) {
    this.check();
    const t0 = performance.now();
    const base = checkAnnotate(query, this.manifest, this.expression?.numGenes ?? null);
    const D = this.manifest.inputDim;
    const lane = this.nextLane++;
    const answers = await Promise.all(
      chunks(base.n, annotateChunkRows(base.k, new Set(Object.values(planPrefixes(base.plan, this.manifest))).size)).map(([s, e]) =>
        this.runner.run({ op: 'annotate', request: { ...base, serialize, n: e - s, ...sliceInputs(base, s, e, D) } }, lane),
      ),
    );
    const { encoderMs, adapterMs, searchMs, voteMs } = sumTimings(answers, ['encoderMs', 'adapterMs', 'searchMs', 'voteMs']);
    const head = {
      levels: this.manifest.levelColumns,
      k: base.k,
      weighting: base.weighting,
      minConfidence: base.minConfidence,
      outOfReferenceDistance: base.outOfReferenceDistance,
      plan: base.plan,
    };
    return { head, answers, n: base.n, timings: { encoderMs, adapterMs, searchMs, voteMs, totalMs: performance.now() - t0 } };
  }

  async annotate(query: AnnotateQuery): Promise<AnnotateResult> {
    const { head, answers, timings } = await this.annotateChunks(query, false);
    const cells: CellAnnotation[] = [];
    for (const a of answers) for (const c of a.cells) cells.push(c);
    return { ...head, cells, timings };
  }

  async annotateJson(query: AnnotateQuery): Promise<SerializedAnnotateResult> {
    const { head, answers, n, timings } = await this.annotateChunks(query, true);
    return { ...serializedParts(head, 'cells', answers.map((a) => a.cellsJson!), timings), n, timings };
  }

  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    await this.runner.close();
  }
}
