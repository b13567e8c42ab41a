/**
 * Coalescing of concurrent small searches (issue 12): while every engine is busy, one-cell (small) searches
 * that agree on everything but their embeddings wait in one batch, which runs as one job — one adapter run
 * and one usearch batch call — when an engine is free ("whatever is queued when the worker is free"; no
 * timer, so a lone request never waits). Each query's answer is the same as when it runs alone: the adapter
 * and the HNSW walk treat rows independently (asserted by test/search/search-coalescer.test.ts). A batch is
 * at most one search chunk, so a job stays as short as the chunks of a big request (fairness, issue 13).
 * When a batch fails, its members run again one by one, so a failure only reaches the request it belongs to.
 */
import type { EngineSearchRequest, EngineSearchResponse } from './engine.js';

interface Member {
  readonly request: EngineSearchRequest;
  resolve(r: EngineSearchResponse): void;
  reject(err: unknown): void;
}

interface Batch {
  readonly key: string;
  readonly members: Member[];
  rows: number;
}

/** True when a search can share a job with others: plain embeddings, no filter, centroid or rows, one chunk. */
export function canCoalesce(r: EngineSearchRequest, maxRows: number): boolean {
  return r.embeddings !== undefined && r.expression === undefined && r.rows === undefined && !r.centroid && r.filter === null && r.n <= maxRows;
}

/**
 * Requests with the same key differ only in their embeddings (and n): every other field, so a field added to
 * EngineSearchRequest keeps requests that differ in it apart (canCoalesce leaves no filter, rows or counts).
 */
function keyOf(r: EngineSearchRequest): string {
  const { embeddings: _e, n: _n, ...rest } = r;
  return JSON.stringify(rest);
}

/** One request of all the members' rows, in order. */
function mergeRequests(members: readonly Member[], rows: number): EngineSearchRequest {
  const first = members[0]!.request;
  const width = first.embeddings!.length / first.n;
  const embeddings = new Float32Array(rows * width);
  let at = 0;
  for (const m of members) {
    embeddings.set(m.request.embeddings!, at);
    at += m.request.embeddings!.length;
  }
  return { ...first, embeddings, n: rows };
}

/** Member `i`'s part of a merged answer: its queries, and the job's time shared by rows. */
function splitResponse(r: EngineSearchResponse, start: number, n: number, rows: number): EngineSearchResponse {
  const share = n / rows;
  const times = { encoderMs: r.encoderMs * share, adapterMs: r.adapterMs * share, searchMs: r.searchMs * share };
  if (r.resultsJson) return { results: [], resultsJson: r.resultsJson.slice(start, start + n), ...times };
  return { results: r.results.slice(start, start + n), ...times };
}

/** See the file comment. */
export class SearchCoalescer {
  private inFlight = 0;
  /** Batches waiting for an engine, oldest first. */
  private readonly waiting: Batch[] = [];
  /** The batch of each key that still takes members. */
  private readonly open = new Map<string, Batch>();

  /**
   * @param run runs one search job (on the pool: its own lane, so a batch counts as one request there);
   *   `alone` when it is one request and no other coalesced job is running
   * @param maxInFlight jobs running at once (the engines); later requests wait in batches
   * @param maxRows most queries in one batch at this k (one search chunk)
   */
  constructor(
    private readonly run: (request: EngineSearchRequest, alone: boolean) => Promise<EngineSearchResponse>,
    private readonly maxInFlight: number,
    private readonly maxRows: (k: number) => number,
  ) {}

  /** Runs a search that {@link canCoalesce} accepts, alone or in a batch. */
  submit(request: EngineSearchRequest): Promise<EngineSearchResponse> {
    return new Promise((resolve, reject) => {
      const member: Member = { request, resolve, reject };
      if (this.inFlight < this.maxInFlight) return void this.dispatch([member], request.n);
      const key = keyOf(request);
      let batch = this.open.get(key);
      if (!batch || batch.rows + request.n > this.maxRows(request.k)) {
        batch = { key, members: [], rows: 0 };
        this.open.set(key, batch);
        this.waiting.push(batch);
      }
      batch.members.push(member);
      batch.rows += request.n;
    });
  }

  private async dispatch(members: readonly Member[], rows: number): Promise<void> {
    this.inFlight++;
    try {
      if (members.length === 1) {
        await this.run(members[0]!.request, this.inFlight === 1).then(members[0]!.resolve, members[0]!.reject);
        return;
      }
      let answer: EngineSearchResponse;
      try {
        answer = await this.run(mergeRequests(members, rows), false);
      } catch {
        for (const m of members) await this.run(m.request, false).then(m.resolve, m.reject);
        return;
      }
      let start = 0;
      for (const m of members) {
        m.resolve(splitResponse(answer, start, m.request.n, rows));
        start += m.request.n;
      }
    } finally {
      this.inFlight--;
      this.next();
    }
  }

  private next(): void {
    const batch = this.waiting.shift();
    if (!batch) return;
    if (this.open.get(batch.key) === batch) this.open.delete(batch.key);
    void this.dispatch(batch.members, batch.rows);
  }
}
