/**
 * A tiny real index for the HTTP tests: 40 cells of 5 subtypes (8 each) in 8 dims, each subtype a tight
 * cluster around its own axis, written as an atlas and built with the identity adapter in one thread (so the
 * same graph every run). Tests run the app against the real service opened on it; {@link wrapService} only
 * adds what the real service cannot do on demand (not ready, failing, slow, recording what it was asked).
 */
import { join } from 'node:path';
import { createAtlasWriter } from '../../atlas/index.js';
import { buildAtlasIndex } from '../../index-build/index.js';
import { openAtlasIndex, type AtlasIndexService } from '../../search/index.js';
import { type IndexManifest } from '../../index-files/index.js';
import { LEVEL_COLUMNS, type LevelColumn } from '../../common/index.js';
import { makeTempDir } from '../support/temp-dir.js';

export const TINY_DIM = 8;
export const TINY_PER_SUBTYPE = 8;

/** Labels of the 5 subtypes, system → subtype. */
export const TINY_SUBTYPES = [
  ['Immune', 'Lymphoid', 'T cell', 'CD4 T cell'],
  ['Immune', 'Lymphoid', 'T cell', 'CD8 T cell'],
  ['Immune', 'Myeloid', 'monocyte', 'classical monocyte'],
  ['Epithelial', 'Epithelial', 'epithelial cell', 'type II pneumocyte'],
  ['Neural', 'Neuron', 'neuron', 'interneuron'],
] as const;

export interface TinyCell {
  readonly id: string;
  readonly subtype: number;
  readonly vector: number[];
}

export interface TinyIndex {
  readonly indexDir: string;
  readonly manifest: IndexManifest;
  readonly cells: readonly TinyCell[];
  /** The centre of subtype s's cluster (not a reference cell). */
  centre(s: number): number[];
  /** Opens the real service on the index, in-process. */
  open(): Promise<AtlasIndexService>;
}

function centre(s: number): number[] {
  return Array.from({ length: TINY_DIM }, (_, d) => (d === s ? 1 : 0));
}

/** Builds the tiny index in a temp folder removed after the test file. */
export async function buildTinyIndex(): Promise<TinyIndex> {
  const dir = makeTempDir('server-tiny');
  const n = TINY_SUBTYPES.length * TINY_PER_SUBTYPE;
  const cells: TinyCell[] = Array.from({ length: n }, (_, i) => {
    const subtype = i % TINY_SUBTYPES.length;
    // Distinct, reproducible points within 0.05 of the centre.
    const vector = centre(subtype).map((x, d) => x + 0.05 * Math.sin(12.9898 * (i + 1) + 78.233 * (d + 1)));
    return { id: `c${i}`, subtype, vector };
  });
  const levels = {} as Record<LevelColumn, { codes: Int32Array; dictionary: string[] }>;
  LEVEL_COLUMNS.forEach((c, l) => {
    const dictionary = [...new Set(TINY_SUBTYPES.map((t) => t[l]))];
    levels[c] = { dictionary, codes: Int32Array.from(cells, (x) => dictionary.indexOf(TINY_SUBTYPES[x.subtype]![l])) };
  });
  const atlasPath = join(dir, 'tiny.parquet');
  const writer = await createAtlasWriter(atlasPath, { dim: TINY_DIM, rowGroupSize: 16 });
  await writer.write({ numRows: n, dim: TINY_DIM, embeddings: Float32Array.from(cells.flatMap((x) => x.vector)), levels, cellIds: cells.map((x) => x.id) });
  await writer.close();
  const indexDir = join(dir, 'index');
  const built = await buildAtlasIndex({ referencePath: atlasPath, adapterPath: 'identity', outDir: indexDir, threads: 1 });
  return {
    indexDir,
    manifest: built.manifest,
    cells,
    centre,
    open: () => openAtlasIndex(indexDir, { adapterPath: 'identity', workers: 0 }),
  };
}

/**
 * A service that forwards to `inner` except for the members given in `overrides`. Its close() leaves `inner`
 * open unless overridden, so several servers can share one real service.
 */
export function wrapService(inner: AtlasIndexService, overrides: Partial<AtlasIndexService> = {}): AtlasIndexService {
  return {
    manifest: inner.manifest,
    ready: () => inner.ready(),
    info: () => inner.info(),
    search: (q) => inner.search(q),
    annotate: (q) => inner.annotate(q),
    ...(inner.annotateJson ? { annotateJson: (q: Parameters<NonNullable<AtlasIndexService['annotateJson']>>[0]) => inner.annotateJson!(q) } : {}),
    close: async () => {},
    ...overrides,
  };
}
