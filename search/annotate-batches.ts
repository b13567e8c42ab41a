/**
 * Annotates a large matrix in batches and keeps only the flat columns of each batch: the per-cell objects of
 * one batch are dropped as soon as they are flattened, so memory stays at a few batches of objects whatever
 * the number of cells, and the main thread's share of the work (flattening) comes in batch-sized slices.
 * Used by the CLI (`annotate`, batch by batch from a file) and by the server (Arrow answers).
 */
import { collectAnnotationColumns, concatAnnotationColumns, createLabelCodes, type AnnotationColumns, type LabelCodes } from './annotation-columns.js';
import type { AnnotateQuery, AnnotateTimings, AtlasIndexService } from './types.js';

/** Cells per service call: large enough to keep every worker busy, small enough to interleave requests. */
export const ANNOTATE_BATCH = 4096;

/** Service calls in flight at once (the next batch is queued while one is flattened). */
const IN_FLIGHT = 2;

/** Flattens service answers for one index. */
export interface ColumnAnnotator {
  /** Annotates one batch (the query's own embeddings and n) and returns its columns. */
  annotate(query: AnnotateQuery): Promise<{ columns: AnnotationColumns; timings: AnnotateTimings }>;
}

/** A {@link ColumnAnnotator} over `service` (its label dictionaries built once). */
export function createColumnAnnotator(service: AtlasIndexService): ColumnAnnotator {
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

/** Columns of every cell, in order, and the phases' worker time summed over batches (totalMs: wall time). */
export interface AnnotateToColumnsResult {
  readonly columns: AnnotationColumns;
  readonly timings: AnnotateTimings;
}

/** Annotates all `query.n` cells of `query` in batches; the columns come back in order. */
export async function annotateToColumns(service: AtlasIndexService, query: AnnotateQuery, options: AnnotateToColumnsOptions = {}): Promise<AnnotateToColumnsResult> {
  const t0 = performance.now();
  const annotator = createColumnAnnotator(service);
  const batch = Math.max(1, options.batch ?? ANNOTATE_BATCH);
  const D = service.manifest.inputDim;
  const starts: number[] = [];
  for (let s = 0; s < query.n; s += batch) starts.push(s);
  const parts: AnnotationColumns[] = new Array(starts.length);
  let next = 0;
  let done = 0;
  let adapterMs = 0;
  let searchMs = 0;
  let voteMs = 0;
  const lane = async () => {
    while (next < starts.length) {
      const i = next++;
      const s = starts[i]!;
      const e = Math.min(query.n, s + batch);
      const part = await annotator.annotate({ ...query, n: e - s, embeddings: query.embeddings.subarray(s * D, e * D) });
      parts[i] = part.columns;
      adapterMs += part.timings.adapterMs;
      searchMs += part.timings.searchMs;
      voteMs += part.timings.voteMs;
      done += e - s;
      options.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, starts.length) }, lane));
  const columns = parts.length === 1 ? parts[0]! : concatAnnotationColumns(parts, service.manifest.levelColumns);
  return { columns, timings: { adapterMs, searchMs, voteMs, totalMs: performance.now() - t0 } };
}
