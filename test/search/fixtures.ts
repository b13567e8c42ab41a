/**
 * A small synthetic atlas for index tests: 2 systems × 2 lineages × 2 types × 2 subtypes = 16 subtypes,
 * 16-d embeddings in 4 blocks of 4 (block b encodes the level-b label, plus noise), and a fake 4-scale
 * adapter that returns the embedding as its blocks — so prefix j sees exactly the first j levels.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createAtlasWriter } from '../../atlas/index.js';
import { createRng } from '../../common/index.js';
import { LEVEL_COLUMNS, type LevelColumn } from '../../common/index.js';
import type { Adapter } from '../../adapter/index.js';
import { buildAtlasIndex } from '../../index-build/index.js';
import { openAtlasIndex, type AtlasIndexService } from '../../search/index.js';
import { makeTempDir } from '../support/temp-dir.js';

export const DIM = 16;
export const SCALES = 4;
export const SCALE_DIM = 4;

/** Deterministic uniform [0, 1) numbers (the atlas's seeded generator). */
export const rng = (seed: number): (() => number) => createRng(seed).uniform;

/** Labels of subtype s (0..15) at every level. */
export function labelsOf(s: number): Record<LevelColumn, string> {
  const sys = s >> 3;
  const lin = s >> 2;
  const typ = s >> 1;
  return {
    level1_system: ['Immune', 'Epithelial'][sys]!,
    level2_lineage: `lineage-${lin}`,
    level3_type: `type-${typ}`,
    level4_subtype: `subtype-${s}`,
  };
}

/** Fixed unit-ish direction for label i of level l (4 dims). */
function center(l: number, i: number): number[] {
  const r = rng(1000 * (l + 1) + i);
  return [0, 1, 2, 3].map(() => r() * 2 - 1);
}

/** The embedding of a cell of subtype s with noise from `r`. */
export function embeddingOf(s: number, r: () => number, noise = 0.05): Float32Array {
  const codes = [s >> 3, s >> 2, s >> 1, s];
  const out = new Float32Array(DIM);
  for (let l = 0; l < 4; l++) {
    const c = center(l, codes[l]!);
    for (let k = 0; k < 4; k++) out[l * 4 + k] = c[k]! + (r() * 2 - 1) * noise;
  }
  return out;
}

export interface SyntheticAtlas {
  readonly dir: string;
  readonly path: string;
  readonly numRows: number;
  /** Subtype of each row. */
  readonly subtypes: number[];
  readonly embeddings: Float32Array;
  cleanup(): Promise<void>;
}

/** Writes `perSubtype` cells of each of the 16 subtypes (interleaved) in row groups of `rowGroupSize`. */
export async function writeSyntheticAtlas(perSubtype = 40, rowGroupSize = 128, seed = 7, cellIdOf: (row: number) => string = (row) => `cell-${row}`): Promise<SyntheticAtlas> {
  const dir = makeTempDir('index');
  const path = join(dir, 'atlas.parquet');
  const n = perSubtype * 16;
  const r = rng(seed);
  const subtypes = Array.from({ length: n }, (_, i) => i % 16);
  const embeddings = new Float32Array(n * DIM);
  subtypes.forEach((s, i) => embeddings.set(embeddingOf(s, r), i * DIM));
  const writer = await createAtlasWriter(path, { dim: DIM, rowGroupSize });
  const batch = 200;
  for (let start = 0; start < n; start += batch) {
    const end = Math.min(n, start + batch);
    const levels = {} as Record<LevelColumn, { codes: Int32Array; dictionary: string[] }>;
    for (const c of LEVEL_COLUMNS) {
      const dictionary: string[] = [];
      const codes = new Int32Array(end - start);
      for (let i = start; i < end; i++) {
        const label = labelsOf(subtypes[i]!)[c];
        let code = dictionary.indexOf(label);
        if (code < 0) code = dictionary.push(label) - 1;
        codes[i - start] = code;
      }
      levels[c] = { codes, dictionary };
    }
    // Subtype 15 has no Cell Ontology id ('' = missing).
    const clDict = Array.from({ length: 16 }, (_, s) => (s === 15 ? '' : `CL:99000${String(s).padStart(2, '0')}`));
    await writer.write({
      numRows: end - start,
      dim: DIM,
      embeddings: embeddings.slice(start * DIM, end * DIM),
      levels,
      cellIds: Array.from({ length: end - start }, (_, i) => cellIdOf(start + i)),
      clIds: { codes: Int32Array.from({ length: end - start }, (_, i) => subtypes[start + i]!), dictionary: clDict },
    });
  }
  await writer.close();
  return { dir, path, numRows: n, subtypes, embeddings, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The fake 4-scale adapter: blocks = the input, level i served by prefix i. */
export function createFakeAdapter(): Adapter & { calls: number } {
  const levelPrefix: Partial<Record<LevelColumn, number>> = {};
  LEVEL_COLUMNS.forEach((c, i) => (levelPrefix[c] = i + 1));
  const a = {
    calls: 0,
    identity: false,
    inputDim: DIM,
    numScales: SCALES,
    scaleDim: SCALE_DIM,
    outputDim: SCALES * SCALE_DIM,
    levelColumns: LEVEL_COLUMNS,
    levelPrefix,
    metadata: null,
    async embed(x: Float32Array, n: number) {
      a.calls++;
      if (x.length !== n * DIM) throw new Error('fake adapter: wrong input size');
      return Float32Array.from(x);
    },
    async close() {},
  };
  return a;
}

/** A file standing for the fake adapter (its sha256 goes into the manifest). */
export async function writeFakeAdapterFile(dir: string, content = 'fake adapter v1'): Promise<string> {
  const p = join(dir, `adapter-${content.replace(/\W/g, '_')}.onnx`);
  await writeFile(p, content);
  return p;
}

/** A synthetic atlas indexed through the fake adapter, served in-process. */
export interface FakeAdapterIndex {
  readonly atlas: SyntheticAtlas;
  readonly svc: AtlasIndexService;
  close(): Promise<void>;
}

/** Writes `perSubtype` cells of each of 16 subtypes, builds them (one thread: a reproducible graph) and opens the index. */
export async function openFakeAdapterIndex(perSubtype: number, build: { withOriginal?: boolean } = {}): Promise<FakeAdapterIndex> {
  const adapter = createFakeAdapter();
  const atlas = await writeSyntheticAtlas(perSubtype, 128);
  const adapterPath = await writeFakeAdapterFile(atlas.dir);
  const out = join(atlas.dir, 'idx');
  await buildAtlasIndex({ referencePath: atlas.path, adapterPath, outDir: out, threads: 1, ...build }, { adapter });
  const svc = await openAtlasIndex(out, { adapterPath, workers: 0 }, { adapter });
  return { atlas, svc, close: async () => (await svc.close(), await atlas.cleanup()) };
}

/** Held-out cells, one per subtype (noise 0.2). */
export function heldOutCells(seed: number): { x: Float32Array; n: number } {
  const r = rng(seed);
  const x = new Float32Array(16 * DIM);
  for (let s = 0; s < 16; s++) x.set(embeddingOf(s, r, 0.2), s * DIM);
  return { x, n: 16 };
}
