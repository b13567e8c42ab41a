/**
 * Where the service's jobs run: a pool of worker threads, or one engine in-process (`workers: 0`, tests).
 * Beside a pool, an engine on the calling thread (no encoder, one thread) answers a small search when
 * nothing else is running: then the two thread hops (post, wake the worker, post back, wake the main thread)
 * cost more than the search itself (BENCHMARKS.md, issue 12), and blocking the event loop for one small
 * search (well under a millisecond) delays nobody.
 */
import type { Adapter } from '../adapter/index.js';
import { SearchEngine, type EngineInit, type EngineSearchRequest, type EngineSearchResponse } from './engine.js';
import { WorkerPool } from './worker-pool.js';
import { runJob, type EngineJob, type EngineJobResult } from './worker-protocol.js';

/**
 * Most neighbours a search on the calling thread may ask for, at the index's own beams only (a beam a request
 * names would open a memory-mapped view first, milliseconds each time it falls out of the few kept), and a
 * wide search would hold the event loop. A calibrated beam's view opens there once, at its first search.
 */
export const HERE_MAX_K = 100;

/** True when a search is cheap enough for the calling thread: one query, the index's beam, k ≤ {@link HERE_MAX_K}. */
export function cheapHere(r: EngineSearchRequest, indexEf: number): boolean {
  return r.n === 1 && (r.ef === undefined || r.ef === indexEf) && r.k <= HERE_MAX_K && r.expression === undefined;
}

/** Runs engine jobs (see the file comment). */
export interface Runner {
  run<J extends EngineJob>(job: J, lane?: number): Promise<EngineJobResult<J>>;
  readonly parallelism: number;
  /** Engines able to take jobs. */
  alive(): boolean;
  /** No job is running or waiting. */
  idle(): boolean;
  /** Runs a small search on the calling thread, skipping the worker hop (pools only; in-process, run is that). */
  readonly searchHere?: (request: EngineSearchRequest) => Promise<EngineSearchResponse>;
  close(): Promise<void>;
}

/**
 * Opens the engines: `workers` threads, or in-process with `workers: 0` (where `adapter` may stand in);
 * `keepWorkerFree`: no single request takes the last free worker (see WorkerPool).
 */
export async function openRunner(init: EngineInit, workers: number, adapter?: Adapter, keepWorkerFree = true): Promise<Runner> {
  if (workers === 0) {
    const engine = await SearchEngine.open(init, adapter);
    let running = 0;
    return {
      parallelism: 1,
      alive: () => true,
      idle: () => running === 0,
      run: async (job) => {
        running++;
        try {
          return (await runJob(engine, job)) as never;
        } finally {
          running--;
        }
      },
      close: () => engine.close(),
    };
  }
  const pool = await WorkerPool.start(init, workers, keepWorkerFree);
  // The calling thread's engine opens with the first search it takes: a service that only annotates (the
  // annotate command) never pays for a second adapter session and set of index views.
  let here: Promise<SearchEngine> | null = null;
  const openHere = () =>
    (here ??= SearchEngine.open({ ...init, encoderPath: null, threads: 1 }).catch((err: unknown) => {
      here = null;
      throw err;
    }));
  // Searches running here; close waits for them before closing the engine's files and adapter.
  const running = new Set<Promise<unknown>>();
  return {
    parallelism: workers,
    alive: () => pool.size > 0,
    idle: () => pool.idle && running.size === 0,
    run: (job, lane) => pool.run(job, lane),
    searchHere: (request) => {
      const p = openHere().then((engine) => engine.search(request));
      const settled = p.then(() => undefined, () => undefined);
      running.add(settled);
      void settled.then(() => running.delete(settled));
      return p;
    },
    close: async () => {
      await pool.close();
      await Promise.all(running);
      const engine = here ? await here.catch(() => null) : null;
      await engine?.close();
    },
  };
}
