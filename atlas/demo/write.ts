/**
 * Streams a demo atlas into an atlas Parquet file: chunks from the generator go straight to the atlas writer,
 * so memory stays at about one chunk plus one row group whatever the number of cells.
 */
import { AtlasError } from '../../common/index.js';
import { createSummaryCounter, formatSummary, type AtlasSummary } from '../summary.js';
import { createAtlasWriter } from '../writer.js';
import type { DemoCellType } from './cell-types.js';
import { createDemoGenerator } from './generate.js';
import { createDemoModel, type DemoModelParams } from './model.js';

/** Options of {@link writeDemoAtlas}. */
export interface WriteDemoAtlasOptions {
  readonly types: readonly DemoCellType[];
  readonly cells: number;
  readonly seed: number;
  /** Cells generated per writer batch (default 16,384; the output does not depend on it). */
  readonly chunkSize?: number;
  /** Rows per Parquet row group (the writer's default when absent). */
  readonly rowGroupSize?: number;
  /** Overrides of the calibrated model constants (tests, calibration). */
  readonly params?: Partial<DemoModelParams>;
  /** Called after each chunk with the number of cells it held. */
  readonly onProgress?: (cells: number) => void;
}

/** What {@link writeDemoAtlas} wrote. */
export interface WriteDemoAtlasResult {
  readonly path: string;
  readonly summary: AtlasSummary;
  readonly dim: number;
  readonly seconds: number;
}

/** Generates `cells` demo cells and writes them as an atlas file at `path` (published on success only). */
export async function writeDemoAtlas(path: string, options: WriteDemoAtlasOptions): Promise<WriteDemoAtlasResult> {
  const { cells, seed } = options;
  const chunkSize = options.chunkSize ?? 16_384;
  if (!Number.isSafeInteger(cells) || cells < 1) throw new AtlasError('invalid_argument', `cells must be a positive integer, got ${cells}`);
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new AtlasError('invalid_argument', `chunk size must be a positive integer, got ${chunkSize}`);
  const started = performance.now();
  const model = createDemoModel(options.types, seed, options.params);
  const generator = createDemoGenerator(model);
  const writer = await createAtlasWriter(path, { dim: model.dim, rowGroupSize: options.rowGroupSize });
  const counter = createSummaryCounter();
  try {
    for (let done = 0; done < cells; ) {
      const n = Math.min(chunkSize, cells - done);
      const { batch } = generator.next(n);
      counter.add(batch.levels);
      await writer.write(batch);
      done += n;
      options.onProgress?.(n);
    }
    await writer.close();
  } catch (err) {
    await writer.abort().catch(() => undefined);
    throw err;
  }
  return { path, summary: counter.result(), dim: model.dim, seconds: (performance.now() - started) / 1000 };
}

/** The end-of-run summary (rows, classes per level, cells per system, time and rate), as ingest prints it. */
export function formatDemoAtlasSummary(result: WriteDemoAtlasResult): string {
  return `wrote ${result.path} (${result.dim}-d demo atlas)\n${formatSummary(result.summary, result.seconds)}`;
}
