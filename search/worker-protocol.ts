/** Messages between the service and its engine workers (plain data and typed arrays only). */
import { AtlasError, type ErrorCode } from '../common/index.js';
import type { EngineAnnotateRequest, EngineAnnotateResponse, EngineSearchRequest, EngineSearchResponse } from './engine.js';

export type EngineJob =
  | { readonly op: 'search'; readonly request: EngineSearchRequest }
  | { readonly op: 'annotate'; readonly request: EngineAnnotateRequest }
  | { readonly op: 'lookup'; readonly ids: readonly string[] };

export type EngineJobResult<J extends EngineJob> = J extends { op: 'search' }
  ? EngineSearchResponse
  : J extends { op: 'annotate' }
    ? EngineAnnotateResponse
    : Int32Array;

/** A job sent to a worker. */
export interface JobMessage {
  readonly id: number;
  readonly job: EngineJob;
}

/** An error as it crosses threads. */
export interface SerializedError {
  readonly code: ErrorCode | null;
  readonly message: string;
  readonly details?: unknown;
}

/** Worker → service: start-up outcome, or the answer to one job. */
export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly error: SerializedError }
  | { readonly type: 'result'; readonly id: number; readonly result: unknown }
  | { readonly type: 'error'; readonly id: number; readonly error: SerializedError };

export function serializeError(err: unknown): SerializedError {
  if (err instanceof AtlasError) return { code: err.code, message: err.message, details: err.details };
  return { code: null, message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}

export function deserializeError(e: SerializedError): Error {
  if (e.code) return new AtlasError(e.code, e.message, e.details);
  return new AtlasError('internal', `index worker failed: ${e.message}`);
}

/** Runs one job on an engine (shared by workers and the in-process mode). */
export async function runJob(
  engine: { search(r: EngineSearchRequest): Promise<EngineSearchResponse>; annotate(r: EngineAnnotateRequest): Promise<EngineAnnotateResponse>; lookupRows(ids: readonly string[]): Int32Array },
  job: EngineJob,
): Promise<unknown> {
  switch (job.op) {
    case 'search':
      return engine.search(job.request);
    case 'annotate':
      return engine.annotate(job.request);
    case 'lookup':
      return engine.lookupRows(job.ids);
  }
}

/** Buffers of a job that can be transferred (moved) rather than copied. */
export function jobTransfer(job: EngineJob): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const add = (a: { buffer: ArrayBufferLike } | undefined) => {
    if (a && a.buffer instanceof ArrayBuffer) out.push(a.buffer);
  };
  if (job.op === 'search' || job.op === 'annotate') {
    add(job.request.embeddings);
    const e = job.request.expression;
    if (e) for (const a of [e.indptr, e.indices, e.values]) add(a);
  }
  if (job.op === 'search') add(job.request.rows);
  return out;
}
