/**
 * HTTP benchmark on loopback: `/v1/search` with one cell, `/v1/annotate` with 1,000 cells and k = 50
 * (requests/s, cells/s, p50/p99 latency, autocannon), and `/healthz` latency probed while annotate runs.
 * The server runs in a child process (http-server-child.ts) with its worker pool, as `fractal-atlas serve`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import autocannon, { type AutocannonResult } from 'autocannon';
import { percentile } from '../eval/index.js';

/** Options of {@link runHttpBench}. */
export interface HttpBenchOptions {
  readonly indexDir: string;
  readonly adapterPath: string;
  /** Query cells (row-major, `dim` wide), e.g. held-out demo cells. */
  readonly queries: Float32Array;
  readonly dim: number;
  /** Server worker threads (default 2). */
  readonly workers?: number;
  /** Seconds of the single-cell search run (default 10). */
  readonly searchSeconds?: number;
  /** Annotate requests of 1,000 cells (default 20). */
  readonly annotateRequests?: number;
  readonly log: (line: string) => void;
}

/** Figures of one autocannon run. */
export interface EndpointFigures {
  readonly endpoint: string;
  readonly cellsPerRequest: number;
  readonly k: number;
  readonly connections: number;
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly cellsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly latencyMaxMs: number;
}

/** `/healthz` probed sequentially while annotate runs. */
export interface HealthFigures {
  readonly probes: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Result of {@link runHttpBench}. */
export interface HttpBenchResult {
  readonly workers: number;
  readonly search: EndpointFigures;
  readonly annotate: EndpointFigures;
  readonly healthzDuringAnnotate: HealthFigures;
  readonly healthzIdle: HealthFigures;
}

/** The JSON body of `count` cells from row `first` on (wrapping), with k. */
export function bodyOf(queries: Float32Array, dim: number, first: number, count: number, k: number): string {
  const rows: number[][] = [];
  const n = queries.length / dim;
  for (let i = 0; i < count; i++) {
    const r = (first + i) % n;
    rows.push(Array.from(queries.subarray(r * dim, (r + 1) * dim)));
  }
  return JSON.stringify({ embeddings: rows, k });
}

/** The figures of one autocannon run (2xx answers only count as requests). */
export function figures(endpoint: string, r: AutocannonResult, cells: number, k: number, connections: number): EndpointFigures {
  const ok = r['2xx'];
  return {
    endpoint, cellsPerRequest: cells, k, connections,
    requests: ok, errors: r.errors + r.non2xx + r.timeouts, seconds: r.duration,
    requestsPerSecond: ok / r.duration, cellsPerSecond: (ok * cells) / r.duration,
    latencyP50Ms: r.latency.p50, latencyP99Ms: r.latency.p99, latencyMaxMs: r.latency.max,
  };
}

export function getOnce(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(url, { method: 'GET', agent: false }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`GET ${url}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Probes `url` every `intervalMs` until `until` resolves; sequential, so each latency is one request's. */
export async function probe(url: string, until: Promise<unknown>, intervalMs: number): Promise<HealthFigures> {
  let done = false;
  void until.finally(() => (done = true));
  const ms: number[] = [];
  while (!done) {
    ms.push(await getOnce(url));
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return { probes: ms.length, p50Ms: percentile(ms, 50), p99Ms: percentile(ms, 99), maxMs: Math.max(...ms) };
}

export async function startChild(o: Pick<HttpBenchOptions, 'indexDir' | 'adapterPath'>, workers: number): Promise<{ child: ChildProcess; url: string }> {
  const script = fileURLToPath(new URL('./http-server-child.js', import.meta.url));
  const child = fork(script, [o.indexDir, o.adapterPath, String(workers)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`benchmark server exited with code ${code} before listening`)));
  });
  return { child, url };
}

/** Starts the server, runs the three measurements, stops the server. */
export async function runHttpBench(o: HttpBenchOptions): Promise<HttpBenchResult> {
  const workers = o.workers ?? 2;
  const { child, url } = await startChild(o, workers);
  const json = { 'content-type': 'application/json' };
  try {
    // Warm-up: worker pools, usearch pages, JIT.
    await autocannon({ url: `${url}/v1/annotate`, method: 'POST', headers: json, body: bodyOf(o.queries, o.dim, 0, 1000, 50), connections: 1, amount: 2 });
    await autocannon({ url: `${url}/v1/search`, method: 'POST', headers: json, body: bodyOf(o.queries, o.dim, 0, 1, 10), connections: 4, amount: 200 });
    const healthzIdle = await probe(`${url}/healthz`, new Promise((r) => setTimeout(r, 2000)), 10);

    const searchConnections = 8;
    const s = await autocannon({ url: `${url}/v1/search`, method: 'POST', headers: json, body: bodyOf(o.queries, o.dim, 7, 1, 10), connections: searchConnections, duration: o.searchSeconds ?? 10 });
    const search = figures('/v1/search', s, 1, 10, searchConnections);
    o.log(`  /v1/search 1 cell k=10: ${search.requestsPerSecond.toFixed(0)} req/s, p50 ${search.latencyP50Ms} ms, p99 ${search.latencyP99Ms} ms, ${search.errors} errors`);

    const annotateConnections = 2;
    // autocannon returns a thenable instance, not a Promise: adopt it so that probe() can chain on it.
    const run = Promise.resolve(autocannon({
      url: `${url}/v1/annotate`, method: 'POST', headers: json, body: bodyOf(o.queries, o.dim, 1000, 1000, 50),
      connections: annotateConnections, amount: o.annotateRequests ?? 20, timeout: 120,
    }));
    const [a, healthz] = await Promise.all([run, probe(`${url}/healthz`, run, 20)]);
    const annotate = figures('/v1/annotate', a, 1000, 50, annotateConnections);
    o.log(`  /v1/annotate 1000 cells k=50: ${annotate.requestsPerSecond.toFixed(2)} req/s = ${annotate.cellsPerSecond.toFixed(0)} cells/s, p50 ${annotate.latencyP50Ms} ms, p99 ${annotate.latencyP99Ms} ms, ${annotate.errors} errors`);
    o.log(`  /healthz during annotate: p50 ${healthz.p50Ms.toFixed(2)} ms, p99 ${healthz.p99Ms.toFixed(2)} ms (${healthz.probes} probes); idle p50 ${healthzIdle.p50Ms.toFixed(2)} ms`);
    return { workers, search, annotate, healthzDuringAnnotate: healthz, healthzIdle };
  } finally {
    child.send('stop');
    await new Promise((r) => child.once('exit', r));
  }
}
