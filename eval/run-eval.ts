/**
 * `fractal-atlas eval` without the CLI: sample held-out cells from an atlas file, embed them with the
 * adapter, and score the seed's table (see fractal-table.ts). Files and the adapter at the edge; the math
 * in fractal-table.ts.
 */
import { basename } from 'node:path';
import { AtlasError, shortLevelName } from '../common/index.js';
import { openAtlas } from '../atlas/index.js';
import { openAdapter, type Adapter } from '../adapter/index.js';
import { evaluateFractalTable, type FractalTableResult } from './fractal-table.js';
import { sampleAtlas } from './sample.js';

/** Options of {@link runEvaluation}. */
export interface RunEvaluationOptions {
  readonly referencePath: string;
  readonly adapterPath: string;
  /** Cells sampled from the reference (default 5000; all when the file has fewer). */
  readonly samples?: number;
  readonly k?: number;
  readonly seed?: number;
  /** Skip silhouettes (they cost as much as the kNN itself). */
  readonly silhouette?: boolean;
  /** Opens the adapter (default: identity or the ONNX adapter of adapter/). */
  readonly openAdapter?: (path: string, inputDim: number) => Promise<Adapter>;
  /** Progress lines (to stderr in the CLI). */
  readonly log?: (line: string) => void;
}

/** Everything `fractal-atlas eval --json` prints. */
export interface EvaluationReport {
  readonly reference: { readonly file: string; readonly cells: number; readonly dim: number };
  readonly adapter: { readonly file: string; readonly identity: boolean; readonly numScales: number; readonly scaleDim: number };
  readonly sample: { readonly n: number; readonly seed: number };
  /** Level columns scored (the adapter's trained levels), coarse to fine. */
  readonly levelColumns: readonly string[];
  readonly table: FractalTableResult;
  readonly seconds: number;
}


/** Samples, embeds and scores; throws AtlasError on unreadable files or mismatched dimensions. */
export async function runEvaluation(options: RunEvaluationOptions): Promise<EvaluationReport> {
  const t0 = performance.now();
  const log = options.log ?? (() => {});
  const samples = options.samples ?? 5000;
  const seed = options.seed ?? 0;
  const reader = await openAtlas(options.referencePath);
  const open = options.openAdapter ?? ((path: string, inputDim: number) => openAdapter(path, { inputDim }));
  const adapter = await open(options.adapterPath, reader.dim);
  try {
    if (adapter.inputDim !== reader.dim) {
      throw new AtlasError('index_mismatch', `adapter ${basename(options.adapterPath)} takes ${adapter.inputDim}-d embeddings, the atlas has ${reader.dim}-d`);
    }
    if (reader.numRows < 3) throw new AtlasError('invalid_atlas', `${options.referencePath} has ${reader.numRows} cells; the evaluation needs at least 3`);
    log(`eval: sampling ${Math.min(samples, reader.numRows)} of ${reader.numRows} cells`);
    const sample = await sampleAtlas(reader, samples, seed);
    log(`eval: embedding ${sample.n} cells with the adapter`);
    const fractal = await adapter.embed(sample.embeddings, sample.n);
    const levelColumns = adapter.levelColumns;
    const table = evaluateFractalTable({
      original: sample.embeddings,
      originalDim: sample.dim,
      fractal,
      numScales: adapter.numScales,
      scaleDim: adapter.scaleDim,
      levels: levelColumns.map((c) => sample.codes[c]),
      levelNames: levelColumns.map(shortLevelName),
      k: options.k ?? 5,
      silhouette: options.silhouette,
      onRow: (name) => log(`eval: scoring ${name}`),
    });
    return {
      reference: { file: options.referencePath, cells: reader.numRows, dim: reader.dim },
      adapter: { file: options.adapterPath, identity: adapter.identity, numScales: adapter.numScales, scaleDim: adapter.scaleDim },
      sample: { n: sample.n, seed },
      levelColumns,
      table,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await adapter.close();
  }
}
