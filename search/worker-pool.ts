/**
 * A fixed pool of engine workers. Jobs queue per request (lane) and are taken round-robin across requests
 * ({@link FairQueue}); each worker runs one job at a time, so adapter runs and native searches never block the
 * main thread, and with two workers both cores are busy under load.
 * A worker that dies is replaced and its job fails with an internal error.
 */
import { Worker } from 'node:worker_threads';
import { AtlasError } from '../common/index.js';
import type { EngineInit } from './engine.js';
import { FairQueue } from './fair-queue.js';
import { deserializeError, jobTransfer, type EngineJob, type EngineJobResult, type WorkerMessage } from './worker-protocol.js';

interface Pending {
  readonly id: number;
  readonly lane: number;
  readonly job: EngineJob;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  current: Pending | null;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue = new FairQueue<Pending>();
  private nextId = 1;
  private closed = false;

  private constructor(
    private readonly init: EngineInit,
    private readonly keepWorkerFree: boolean,
  ) {}

  /** Starts `size` workers and waits until each has opened the indexes (or one failed). */
  static async start(init: EngineInit, size: number, keepWorkerFree = true): Promise<WorkerPool> {
    const pool = new WorkerPool(init, keepWorkerFree);
    try {
      await Promise.all(Array.from({ length: size }, () => pool.spawn()));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Workers running a job now. */
  get busyWorkers(): number {
    return this.slots.filter((s) => s.current !== null).length;
  }

  /** No job is running or queued. */
  get idle(): boolean {
    return this.queue.size === 0 && this.slots.every((s) => s.current === null);
  }

  private spawn(): Promise<Slot> {
    return new Promise((resolve, reject) => {
      // Inherit the process's flags except those a worker file refuses (node --input-type=module -e …).
      const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
      const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: this.init, execArgv });
      const slot: Slot = { worker, current: null };
      let started = false;
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'ready') {
          started = true;
          this.slots.push(slot);
          resolve(slot);
          this.pump();
        } else if (m.type === 'failed') {
          reject(deserializeError(m.error));
          void worker.terminate();
        } else {
          const p = slot.current;
          slot.current = null;
          if (p && p.id === m.id) {
            if (m.type === 'result') p.resolve(m.result);
            else p.reject(deserializeError(m.error));
          }
          this.pump();
        }
      });
      worker.on('error', (err) => {
        if (!started) reject(new AtlasError('internal', `index worker failed to start: ${err.message}`));
        else this.fail(slot, err);
      });
      worker.on('exit', (code) => {
        if (!started) reject(new AtlasError('internal', `index worker exited with code ${code} while starting`));
        else if (!this.closed) this.fail(slot, new Error(`exited with code ${code}`));
      });
    });
  }

  private fail(slot: Slot, err: Error): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    slot.current?.reject(new AtlasError('internal', `index worker died: ${err.message}`));
    slot.current = null;
    if (!this.closed) {
      this.spawn().catch(() => {
        // A replacement that cannot start leaves the pool smaller; queued jobs fail when none is left.
        if (this.slots.length === 0) for (const p of this.queue.drain()) p.reject(new AtlasError('not_ready', 'no index worker is running'));
      });
    }
  }

  /**
   * No request holds every worker while there are two or more: one stays free for whatever arrives next (a
   * one-cell search then starts at once instead of after a job of the big request), at the cost of a lone big
   * request running on one worker fewer (unless the pool was started with keepWorkerFree false).
   */
  private pump(): void {
    const cap = this.keepWorkerFree ? Math.max(1, this.slots.length - 1) : this.slots.length;
    const running = (lane: number) => this.slots.filter((s) => s.current?.lane === lane).length;
    for (const slot of this.slots) {
      if (slot.current || this.queue.size === 0) continue;
      const p = this.queue.shift((lane) => running(lane) < cap);
      if (!p) return;
      slot.current = p;
      slot.worker.postMessage({ id: p.id, job: p.job }, jobTransfer(p.job));
    }
  }

  /** Queues a job in a request's lane; its typed arrays are transferred (the caller must not reuse them). */
  run<J extends EngineJob>(job: J, lane = 0): Promise<EngineJobResult<J>> {
    if (this.closed) return Promise.reject(new AtlasError('not_ready', 'the index service is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push(lane, { id: this.nextId++, lane, job, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.drain()) p.reject(new AtlasError('not_ready', 'the index service is closed'));
    // Ask each worker to close its files first (fds outlive a terminated worker), then make sure it is gone.
    await Promise.all(
      this.slots.map(
        (s) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void s.worker.terminate(), 2000);
            s.worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            s.current?.reject(new AtlasError('not_ready', 'the index service is closed'));
            s.worker.postMessage('close');
          }),
      ),
    );
    this.slots.length = 0;
  }
}
