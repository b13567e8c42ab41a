/**
 * Streams a demo atlas into an atlas Parquet file: chunks from the generator go straight to the atlas writer,
 * so memory stays at about a few chunks plus one row group whatever the number of cells. Generation can run
 * in worker threads (cells depend only on their position, so the file is the same either way) while the
 * main thread encodes Parquet.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AtlasError, LEVEL_COLUMNS, type LevelColumn } from '../../common/index.js';
import { createSummaryCounter, formatSummary, type AtlasSummary } from '../summary.js';
import type { Compression } from '../parquet-stream.js';
import type { AtlasBatchInput, EncodedColumn } from '../types.js';
import { createAtlasWriter } from '../writer.js';
import type { DemoCellType } from './cell-types.js';
import { CELL_BLOCK, createDemoGenerator, demoCellId } from './generate.js';
import type { DemoWorkerData, DemoWorkerReply } from './generate-worker.js';
import { createDemoModel, type DemoModel, type DemoModelParams } from './model.js';

/** Options of {@link writeDemoAtlas}. */
export interface WriteDemoAtlasOptions {
  readonly types: readonly DemoCellType[];
  readonly cells: number;
  readonly seed: number;
  /** Cells generated per writer batch (default 16,384; the rows written do not depend on it). */
  readonly chunkSize?: number;
  /** Rows per Parquet row group (the writer's default when absent). */
  readonly rowGroupSize?: number;
  /** Parquet codec (the writer's default, zstd, when absent; snappy encodes about twice as fast, +9 % size). */
  readonly compression?: Compression;
  /**
   * Generator worker threads (default: available cores − 1, at most 4; 0 generates on the main thread).
   * Workers need a chunk size that is a multiple of {@link CELL_BLOCK}; otherwise generation stays serial.
   */
  readonly workers?: number;
  /** Overrides of the calibrated model constants (tests, calibration). */
  readonly params?: Partial<DemoModelParams>;
  /**
   * Generator position of the first cell (a multiple of {@link CELL_BLOCK}; default 0). Cells from a later
   * position of the same seed come from the same world but are new cells, e.g. held-out cells for an adapter
   * trained on the first ones.
   */
  readonly startCell?: number;
  /** Called after each chunk with the number of cells it held. */
  readonly onProgress?: (cells: number) => void;
}

/** What {@link writeDemoAtlas} wrote. */
export interface WriteDemoAtlasResult {
  readonly path: string;
  readonly summary: AtlasSummary;
  readonly dim: number;
  readonly seconds: number;
  /** Worker threads that generated the cells (0: main thread). */
  readonly workers: number;
}

/** Default number of generator workers on this machine. */
export function defaultDemoWorkers(): number {
  return Math.max(0, Math.min(4, availableParallelism() - 1));
}

function serialChunks(model: DemoModel, cells: number, chunkSize: number, startCell: number): AsyncGenerator<AtlasBatchInput> {
  const generator = createDemoGenerator(model, startCell);
  return (async function* () {
    for (let done = 0; done < cells; done += chunkSize) yield generator.next(Math.min(chunkSize, cells - done)).batch;
  })();
}

async function* workerChunks(model: DemoModel, options: WriteDemoAtlasOptions, chunkSize: number, numWorkers: number): AsyncGenerator<AtlasBatchInput> {
  const { cells } = options;
  const startCell = options.startCell ?? 0;
  const data: DemoWorkerData = { types: options.types, seed: options.seed, params: options.params };
  const workers = Array.from({ length: numWorkers }, () => new Worker(new URL('./generate-worker.js', import.meta.url), { workerData: data }));
  const waiting = new Map<number, { resolve: (r: DemoWorkerReply) => void; reject: (e: unknown) => void }>();
  const failAll = (err: unknown) => {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  for (const w of workers) {
    w.on('message', (reply: DemoWorkerReply) => {
      waiting.get(reply.id)?.resolve(reply);
      waiting.delete(reply.id);
    });
    w.on('error', (err) => failAll(new AtlasError('internal', `demo-atlas generator worker failed: ${err.message}`)));
  }
  const numChunks = Math.ceil(cells / chunkSize);
  const inFlight: Promise<DemoWorkerReply>[] = [];
  let requested = 0;
  const request = () => {
    const id = requested++;
    const start = id * chunkSize;
    inFlight.push(new Promise((resolve, reject) => waiting.set(id, { resolve, reject })));
    workers[id % numWorkers].postMessage({ id, start: startCell + start, count: Math.min(chunkSize, cells - start) });
  };
  const column = (codes: Int32Array, dictionary: readonly string[]): EncodedColumn => ({ codes, dictionary });
  try {
    // Two chunks per worker in flight: each worker always has the next one queued.
    while (requested < Math.min(numChunks, 2 * numWorkers)) request();
    for (let k = 0; k < numChunks; k++) {
      const reply = await inFlight.shift()!;
      if (requested < numChunks) request();
      const start = startCell + k * chunkSize;
      const n = reply.embeddings.length / model.dim;
      const levels = {} as Record<LevelColumn, EncodedColumn>;
      LEVEL_COLUMNS.forEach((c, l) => (levels[c] = column(reply.codes[l], model.dictionaries[c])));
      const cellIds = Array.from({ length: n }, (_, i) => demoCellId(start + i));
      yield { numRows: n, dim: model.dim, embeddings: reply.embeddings, levels, cellIds, clIds: column(reply.codes[LEVEL_COLUMNS.length], model.clIdDictionary) };
    }
  } finally {
    failAll(new AtlasError('internal', 'demo-atlas generation stopped'));
    for (const p of inFlight) p.catch(() => undefined);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Generates `cells` demo cells and writes them as an atlas file at `path` (published on success only). */
export async function writeDemoAtlas(path: string, options: WriteDemoAtlasOptions): Promise<WriteDemoAtlasResult> {
  const { cells, seed } = options;
  const chunkSize = options.chunkSize ?? 4 * CELL_BLOCK;
  if (!Number.isSafeInteger(cells) || cells < 1) throw new AtlasError('invalid_argument', `cells must be a positive integer, got ${cells}`);
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new AtlasError('invalid_argument', `chunk size must be a positive integer, got ${chunkSize}`);
  const requestedWorkers = options.workers ?? defaultDemoWorkers();
  if (!Number.isInteger(requestedWorkers) || requestedWorkers < 0 || requestedWorkers > 64) {
    throw new AtlasError('invalid_argument', `workers must be an integer in [0, 64], got ${requestedWorkers}`);
  }
  const started = performance.now();
  const model = createDemoModel(options.types, seed, options.params);
  // Workers pay off only with whole blocks per chunk and more than one chunk.
  const workers = chunkSize % CELL_BLOCK === 0 && cells > chunkSize ? requestedWorkers : 0;
  const writer = await createAtlasWriter(path, { dim: model.dim, rowGroupSize: options.rowGroupSize, compression: options.compression });
  const counter = createSummaryCounter();
  const startCell = options.startCell ?? 0;
  if (!Number.isSafeInteger(startCell) || startCell < 0 || startCell % CELL_BLOCK !== 0) {
    throw new AtlasError('invalid_argument', `start cell must be a non-negative multiple of ${CELL_BLOCK}, got ${startCell}`);
  }
  const chunks = workers > 0 ? workerChunks(model, options, chunkSize, workers) : serialChunks(model, cells, chunkSize, startCell);
  try {
    for await (const batch of chunks) {
      counter.add(batch.levels);
      await writer.write(batch);
      options.onProgress?.(batch.numRows);
    }
    await writer.close();
  } catch (err) {
    await chunks.return(undefined);
    await writer.abort().catch(() => undefined);
    throw err;
  }
  return { path, summary: counter.result(), dim: model.dim, seconds: (performance.now() - started) / 1000, workers };
}

/** The end-of-run summary (rows, categories per level, cells per system, time and rate), as ingest prints it. */
export function formatDemoAtlasSummary(result: WriteDemoAtlasResult): string {
  const how = result.workers > 0 ? `${result.workers} generator worker${result.workers > 1 ? 's' : ''}` : 'generated on the main thread';
  return `wrote ${result.path} (${result.dim}-d demo atlas, ${how})\n${formatSummary(result.summary, result.seconds)}`;
}
