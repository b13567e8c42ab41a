/**
 * Decodes request bodies without blocking the event loop: a body over {@link INLINE_BODY_BYTES} goes to a
 * worker thread (JSON.parse of 25 MB, or the checks of 10⁷ floats, would hold the main thread for hundreds of
 * milliseconds); a small one is decoded inline, where a thread hop would cost more than the work.
 */
import { Worker } from 'node:worker_threads';
import { AtlasError, type ErrorCode } from '../common/index.js';
import type { IndexManifest } from '../index-files/index.js';
import type { ExpressionLimits } from '../search/index.js';
import type { ServerLimits } from './limits.js';
import { createBodySchemas, decodeBody, type BodySchemas, type DecodedRequest, type DecodeRequest } from './request-decode.js';

/** Bodies up to this size are decoded on the main thread (well under a millisecond of work). */
export const INLINE_BODY_BYTES = 256 * 1024;

interface Pending {
  resolve(d: DecodedRequest): void;
  reject(e: Error): void;
}

/** Decodes bodies for one index (see the file comment). */
export class BodyDecoder {
  private readonly schemas: BodySchemas;
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(
    private readonly manifest: IndexManifest,
    private readonly limits: ServerLimits,
    private readonly expression?: ExpressionLimits,
  ) {
    this.schemas = createBodySchemas(manifest, limits, expression);
  }

  /** The request schemas the decoder validates with (the OpenAPI document is generated from them). */
  get jsonSchemas(): BodySchemas['json'] {
    return this.schemas.json;
  }

  /** Decodes one body; rejects with the AtlasError of the first problem. */
  decode(request: DecodeRequest): Promise<DecodedRequest> {
    if (request.bytes.byteLength <= INLINE_BODY_BYTES) {
      try {
        return Promise.resolve(decodeBody(this.schemas, request));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    const worker = this.start();
    const id = this.nextId++;
    // Move the body when it owns its buffer; a view into a shared buffer (a small socket read) is copied.
    const bytes = request.bytes;
    const owns = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, request }, owns ? [bytes.buffer as ArrayBuffer] : []);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./body-worker.js', import.meta.url), {
      workerData: { manifest: this.manifest, limits: this.limits, expression: this.expression },
      execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')),
    });
    worker.on('message', (m: { id: number; decoded?: DecodedRequest; error?: { code: string; message: string } }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.decoded) p.resolve(m.decoded);
      else p.reject(m.error!.code === 'internal' ? new AtlasError('internal', `body decoder failed: ${m.error!.message}`) : new AtlasError(m.error!.code as ErrorCode, m.error!.message));
    });
    const fail = (why: string) => {
      if (this.worker === worker) this.worker = null;
      for (const p of this.pending.values()) p.reject(new AtlasError('internal', `body decoder ${why}`));
      this.pending.clear();
    };
    worker.on('error', (err) => fail(`failed: ${err.message}`));
    worker.on('exit', (code) => fail(`exited with code ${code}`));
    // The HTTP server keeps the process alive while requests are in flight; the worker itself must not
    // (after the listeners: attaching a 'message' listener refs the worker again).
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** Stops the worker (pending decodes fail). */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}
