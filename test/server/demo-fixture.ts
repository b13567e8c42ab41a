/**
 * A small real index for end-to-end tests: demo cells from the demo generator written as an atlas, built with
 * the committed demo adapter when it exists (the identity adapter otherwise), plus held-out demo cells (the
 * generator's next cells, never in the reference) with their labels. Both come from generator positions the
 * demo adapter never trained on (DEMO.unseenStartCell), so accuracy checks measure generalisation.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { projectPath, LEVEL_COLUMNS, type LevelColumn } from '../../common/index.js';
import { createAtlasWriter, createDemoGenerator, createDemoModel, loadCellTypeTable } from '../../atlas/index.js';
import { buildAtlasIndex } from '../../index-build/index.js';
import { type IndexManifest } from '../../index-files/index.js';
import { DEMO } from '../../cli/commands/start.js';
import { makeTempDir } from '../support/temp-dir.js';

export const DEMO_ADAPTER_PATH = projectPath('models/demo-adapter.onnx');

/** Labelled cells held in memory (row-major embeddings). */
export interface LabelledCells {
  readonly n: number;
  readonly dim: number;
  readonly embeddings: Float32Array;
  readonly cellIds: readonly string[];
  readonly labels: Readonly<Record<LevelColumn, readonly string[]>>;
}

export interface DemoFixture {
  readonly dir: string;
  readonly indexDir: string;
  readonly adapterPath: string;
  readonly manifest: IndexManifest;
  readonly reference: LabelledCells;
  readonly heldOut: LabelledCells;
  /** Row i of `embeddings` as a plain array (for JSON bodies). */
  row(cells: LabelledCells, i: number): number[];
  cleanup(): Promise<void>;
}

function toCells(chunk: ReturnType<ReturnType<typeof createDemoGenerator>['next']>): LabelledCells {
  const { batch } = chunk;
  const labels = {} as Record<LevelColumn, string[]>;
  for (const c of LEVEL_COLUMNS) {
    const col = batch.levels[c];
    labels[c] = Array.from(col.codes, (code) => col.dictionary[code]!);
  }
  return { n: batch.numRows, dim: batch.dim, embeddings: batch.embeddings, cellIds: batch.cellIds, labels };
}

/** Generates `referenceCells` + `heldOutCells` demo cells and builds an index over the reference ones. */
export async function createDemoFixture(referenceCells: number, heldOutCells: number, seed: number = DEMO.seed): Promise<DemoFixture> {
  const dir = makeTempDir('server-e2e');
  const types = await loadCellTypeTable(projectPath('data/demo-cell-types.tsv'));
  const generator = createDemoGenerator(createDemoModel(types, seed), DEMO.unseenStartCell);
  const refChunk = generator.next(referenceCells);
  const atlasPath = join(dir, 'reference.parquet');
  const writer = await createAtlasWriter(atlasPath, { dim: refChunk.batch.dim, rowGroupSize: 1024 });
  await writer.write(refChunk.batch);
  await writer.close();
  const heldOut = toCells(generator.next(heldOutCells));
  const adapterPath = existsSync(DEMO_ADAPTER_PATH) ? DEMO_ADAPTER_PATH : 'identity';
  const indexDir = join(dir, 'index');
  // One build thread: the same HNSW graph every run, so approximate answers are reproducible. A beam of 64
  // instead of 128 while adding halves the build's CPU; at a few thousand cells the graph is as good.
  const built = await buildAtlasIndex({ referencePath: atlasPath, adapterPath, outDir: indexDir, threads: 1, expansionAdd: 64 });
  return {
    dir,
    indexDir,
    adapterPath,
    manifest: built.manifest,
    reference: toCells(refChunk),
    heldOut,
    row: (cells, i) => Array.from(cells.embeddings.subarray(i * cells.dim, (i + 1) * cells.dim)),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Brute-force k-NN majority vote over raw embeddings (cosine): the baseline annotation must reach. */
export function rawKnnAccuracy(reference: LabelledCells, queries: LabelledCells, k: number): Record<LevelColumn, number> {
  const dim = reference.dim;
  const norms = new Float32Array(reference.n);
  for (let i = 0; i < reference.n; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += reference.embeddings[i * dim + d]! ** 2;
    norms[i] = Math.sqrt(s) || 1;
  }
  const correct = Object.fromEntries(LEVEL_COLUMNS.map((c) => [c, 0])) as Record<LevelColumn, number>;
  const sims = new Float32Array(reference.n);
  for (let q = 0; q < queries.n; q++) {
    const qv = queries.embeddings.subarray(q * dim, (q + 1) * dim);
    for (let i = 0; i < reference.n; i++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += qv[d]! * reference.embeddings[i * dim + d]!;
      sims[i] = s / norms[i]!;
    }
    const top = Array.from(sims.keys()).sort((a, b) => sims[b]! - sims[a]!).slice(0, k);
    for (const c of LEVEL_COLUMNS) {
      const votes = new Map<string, number>();
      for (const i of top) votes.set(reference.labels[c][i]!, (votes.get(reference.labels[c][i]!) ?? 0) + 1);
      // Ties go to the label of the nearer neighbour, as a kNN vote that scans nearest first does.
      let best = '';
      let bestVotes = -1;
      for (const i of top) {
        const l = reference.labels[c][i]!;
        if (votes.get(l)! > bestVotes) [best, bestVotes] = [l, votes.get(l)!];
      }
      if (best === queries.labels[c][q]) correct[c]++;
    }
  }
  for (const c of LEVEL_COLUMNS) correct[c] /= queries.n;
  return correct;
}
