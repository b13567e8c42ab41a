/**
 * The streaming Parquet encoder behind the atlas writer: parquet-wasm record batches go in through a
 * one-slot hand-off (push waits while the slot is full: backpressure), `transformParquetStream` turns them
 * into Parquet bytes, and the bytes go straight to a file handle.
 */
import type { FileHandle } from 'node:fs/promises';
import * as parquet from 'parquet-wasm';
import { LEVEL_COLUMNS } from '../common/index.js';
import { CL_ID_COLUMN } from './schema.js';

/** Parquet compressions the atlas writer offers, the default first. */
export const COMPRESSIONS = ['zstd', 'snappy'] as const;
/** One of {@link COMPRESSIONS}. */
export type Compression = (typeof COMPRESSIONS)[number];

async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  let done = 0;
  while (done < chunk.byteLength) {
    const { bytesWritten } = await fh.write(chunk, done, chunk.byteLength - done);
    done += bytesWritten;
  }
}

function writerProperties(compression: Compression, rowGroupSize: number, extraColumns: readonly string[]) {
  let builder = new parquet.WriterPropertiesBuilder()
    .setCompression(compression === 'zstd' ? parquet.Compression.ZSTD : parquet.Compression.SNAPPY)
    .setMaxRowGroupSize(rowGroupSize)
    // Dictionary pages only where they pay: trying them on float vectors and unique ids costs ~35 % of
    // write time for nothing.
    .setDictionaryEnabled(false)
    .setCreatedBy('fractal-atlas');
  for (const col of [...LEVEL_COLUMNS, CL_ID_COLUMN, ...extraColumns]) builder = builder.setColumnDictionaryEnabled(col, true);
  return builder.build();
}

/** Record batches → Parquet bytes → `fh`. The first error is kept in {@link failure} and fails every later call. */
export class ParquetStream {
  /** The first error of the encoder or the file, or null. */
  failure: unknown = null;
  private readonly slot: parquet.RecordBatch[] = [];
  private ended = false;
  private wakePull: (() => void) | null = null;
  private wakePush: (() => void) | null = null;
  private pipeline: Promise<void> | null = null;
  private controller: ReadableStreamDefaultController | null = null;

  constructor(
    private readonly fh: FileHandle,
    private readonly compression: Compression,
    private readonly rowGroupSize: number,
    /** Extra string columns (dictionary pages, like the levels). */
    private readonly extraColumns: readonly string[] = [],
  ) {}

  /** True once a batch started the encoder. */
  get started(): boolean {
    return this.pipeline !== null;
  }

  private wakeAll(): void {
    this.wakePull?.();
    this.wakePull = null;
    this.wakePush?.();
    this.wakePush = null;
  }

  /** Hands one batch to the encoder; resolves when the slot took it. Throws the stream's failure. */
  async push(batch: parquet.RecordBatch): Promise<void> {
    while (this.slot.length > 0 && this.failure === null) await new Promise<void>((r) => (this.wakePush = r));
    if (this.failure !== null) throw this.failure;
    this.slot.push(batch);
    this.wakePull?.();
    this.wakePull = null;
    // transformParquetStream reads the first batch (for its schema) before it returns, so it starts only
    // once that batch is in the slot.
    if (this.pipeline === null) {
      try {
        await this.start();
      } catch (err) {
        this.failure = err;
        throw err;
      }
    }
  }

  private async start(): Promise<void> {
    const source = new ReadableStream(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: async (controller) => {
          while (this.slot.length === 0 && !this.ended && this.failure === null) await new Promise<void>((r) => (this.wakePull = r));
          if (this.failure !== null) return;
          if (this.slot.length > 0) {
            controller.enqueue(this.slot.shift());
            this.wakePush?.();
            this.wakePush = null;
          } else controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    const bytes = await parquet.transformParquetStream(source, writerProperties(this.compression, this.rowGroupSize, this.extraColumns));
    this.pipeline = bytes
      .pipeTo(new WritableStream<Uint8Array>({ write: (chunk) => writeAll(this.fh, chunk) }))
      .catch((err: unknown) => {
        if (this.failure === null) this.failure = err;
        this.wakeAll();
        throw err;
      });
    this.pipeline.catch(() => undefined);
  }

  /** Ends the input and waits until every byte is written. */
  async finish(): Promise<void> {
    this.ended = true;
    this.wakeAll();
    await this.pipeline;
    if (this.failure !== null) throw this.failure;
  }

  /** Stops the encoder with `reason`; resolves once it has let go of the file. */
  async abort(reason: unknown): Promise<void> {
    if (this.failure === null) this.failure = reason;
    try {
      this.controller?.error(this.failure);
    } catch {
      // already closed or errored
    }
    this.wakeAll();
    await this.pipeline?.catch(() => undefined);
  }
}
