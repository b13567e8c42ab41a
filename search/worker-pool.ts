/**
 * A fixed pool of engine workers. Jobs queue in order; each worker runs one job at a time, so adapter runs
 * and native searches never block the main thread, and with two workers both cores are busy under load.
 * A worker that dies is replaced and its job fails with an internal error.
 */
import { Worker } from 'node:worker_threads';
import { AtlasError } from '../common/index.js';
import type { EngineInit } from './engine.js';
import { deserializeError, jobTransfer, type EngineJob, type EngineJobResult, type WorkerMessage } from './worker-protocol.js';

interface Pending {
  readonly id: number;
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
  /** Interactive jobs (searches, lookups) overtake queued bulk annotate chunks. */
  private readonly urgent: Pending[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  private constructor(private readonly init: EngineInit) {}

  /** Starts `size` workers and waits until each has opened the indexes (or one failed). */
  static async start(init: EngineInit, size: number): Promise<WorkerPool> {
    const pool = new WorkerPool(init);
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
        if (this.slots.length === 0) for (const p of [...this.urgent.splice(0), ...this.queue.splice(0)]) p.reject(new AtlasError('not_ready', 'no index worker is running'));
      });
    }
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.current || this.urgent.length + this.queue.length === 0) continue;
      const p = (this.urgent.length > 0 ? this.urgent : this.queue).shift()!;
      slot.current = p;
      slot.worker.postMessage({ id: p.id, job: p.job }, jobTransfer(p.job));
    }
  }

  /** Queues a job; its typed arrays are transferred (the caller must not reuse them). */
  run<J extends EngineJob>(job: J): Promise<EngineJobResult<J>> {
    if (this.closed) return Promise.reject(new AtlasError('not_ready', 'the index service is closed'));
    return new Promise((resolve, reject) => {
      (job.op === 'annotate' ? this.queue : this.urgent).push({ id: this.nextId++, job, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of [...this.urgent.splice(0), ...this.queue.splice(0)]) p.reject(new AtlasError('not_ready', 'the index service is closed'));
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
