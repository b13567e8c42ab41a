/**
 * Annotates a large matrix in batches and keeps only the flat columns of each batch: the per-cell objects of
 * one batch are dropped as soon as they are flattened, so memory stays at a few batches of objects whatever
 * the number of cells, and the main thread's share of the work (flattening) comes in batch-sized slices.
 * Used by the CLI (`annotate`, batch by batch from a file) and by the server (Arrow answers).
 */
import { collectAnnotationColumns, concatAnnotationColumns, createLabelCodes, type AnnotationColumns, type LabelCodes } from './annotation-columns.js';
import { sliceCounts } from '../adapter/index.js';
import type { AnnotateQuery, AnnotateTimings } from './annotate-types.js';
import type { AtlasIndexService } from './service-types.js';

/** Cells per service call: large enough to keep every worker busy, small enough to interleave requests. */
const ANNOTATE_BATCH = 4096;

/** Service calls in flight at once (the next batch is queued while one is flattened). */
const IN_FLIGHT = 2;

/** Flattens service answers for one index. */
export interface ColumnAnnotator {
  /** Annotates one batch (the query's own embeddings and n) and returns its columns. */
  annotate(query: AnnotateQuery): Promise<{ columns: AnnotationColumns; timings: AnnotateTimings }>;
}

/** A {@link ColumnAnnotator} over `service` (its label dictionaries built once). */
function createColumnAnnotator(service: AtlasIndexService): ColumnAnnotator {
  const codes: LabelCodes = createLabelCodes(service.manifest);
  return {
    async annotate(query) {
      const result = await service.annotate(query);
      return { columns: collectAnnotationColumns(result.cells, service.manifest, codes), timings: result.timings };
    },
  };
}

/** Options of {@link annotateToColumns}. */
export interface AnnotateToColumnsOptions {
  readonly batch?: number;
  /** Called after every batch with the cells done so far. */
  readonly onProgress?: (done: number) => void;
}

/** One annotated batch: its first cell, its columns, and the service's timings of it. */
export interface AnnotatedBatch {
  readonly start: number;
  readonly columns: AnnotationColumns;
  readonly timings: AnnotateTimings;
}

/**
 * Annotates `query` in batches of `batch` cells, {@link IN_FLIGHT} at once, and yields them in order as they
 * finish (the next batch is queued while the consumer handles one).
 */
export async function* annotateBatches(service: AtlasIndexService, query: AnnotateQuery, batch = ANNOTATE_BATCH): AsyncGenerator<AnnotatedBatch> {
  const annotator = createColumnAnnotator(service);
  const size = Math.max(1, batch);
  const D = service.manifest.inputDim;
  let next = 0;
  const launch = (): Promise<AnnotatedBatch> => {
    const s = next;
    const e = Math.min(query.n, s + size);
    next = e;
    // Embeddings by a view, counts (sparse rows) copied batch by batch.
    const cells = query.expression ? { expression: sliceCounts(query.expression, s, e) } : { embeddings: query.embeddings!.subarray(s * D, e * D) };
    const p = annotator.annotate({ ...query, n: e - s, ...cells }).then((r) => ({ start: s, ...r }));
    // Awaited below in order; a consumer that stops early must not leave an unhandled rejection behind.
    p.catch(() => undefined);
    return p;
  };
  const inflight: Promise<AnnotatedBatch>[] = [];
  while (inflight.length < IN_FLIGHT && next < query.n) inflight.push(launch());
  while (inflight.length > 0) {
    const done = await inflight.shift()!;
    if (next < query.n) inflight.push(launch());
    yield done;
  }
}

/** Columns of every cell, in order, and the phases' worker time summed over batches (totalMs: wall time). */
export interface AnnotateToColumnsResult {
  readonly columns: AnnotationColumns;
  readonly timings: AnnotateTimings;
}

/** Sums the timings of batches; totalMs is the wall time since `t0`. */
export function sumTimings(parts: readonly AnnotateTimings[], t0: number): AnnotateTimings {
  const sum = (k: 'adapterMs' | 'searchMs' | 'voteMs') => parts.reduce((s, t) => s + t[k], 0);
  return { adapterMs: sum('adapterMs'), searchMs: sum('searchMs'), voteMs: sum('voteMs'), totalMs: performance.now() - t0 };
}

/** Annotates all `query.n` cells of `query` in batches; the columns come back in order. */
export async function annotateToColumns(service: AtlasIndexService, query: AnnotateQuery, options: AnnotateToColumnsOptions = {}): Promise<AnnotateToColumnsResult> {
  const t0 = performance.now();
  const parts: AnnotationColumns[] = [];
  const timings: AnnotateTimings[] = [];
  let done = 0;
  for await (const b of annotateBatches(service, query, options.batch)) {
    parts.push(b.columns);
    timings.push(b.timings);
    done += b.columns.n;
    options.onProgress?.(done);
  }
  const columns = parts.length === 1 ? parts[0]! : concatAnnotationColumns(parts, service.manifest.levelColumns);
  return { columns, timings: sumTimings(timings, t0) };
}
