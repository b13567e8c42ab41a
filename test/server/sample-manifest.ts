/**
 * A hand-written index manifest for tests of the request validator, which reads nothing but the manifest:
 * 4 levels on 4 one-dimensional prefixes of a 4-d input, vocabularies of five cells.
 */
import { INDEX_FORMAT_VERSION, type IndexManifest } from '../../index-files/index.js';
import { LEVEL_COLUMNS } from '../../ontology/index.js';

/** Labels (system → subtype) of the five reference cells. */
const SAMPLE_CELLS: readonly (readonly [string, string, string, string])[] = [
  ['Immune', 'Lymphoid', 'T cell', 'CD4 T cell'],
  ['Immune', 'Lymphoid', 'T cell', 'CD8 T cell'],
  ['Immune', 'Myeloid', 'monocyte', 'classical monocyte'],
  ['Epithelial', 'Epithelial', 'epithelial cell', 'type II pneumocyte'],
  ['Neural', 'Neuron', 'neuron', 'interneuron'],
];

function vocab(level: number): string[] {
  return [...new Set(SAMPLE_CELLS.map((c) => c[level]!))].sort();
}

/** The manifest: input dim 4, S = 4 scales of 1 dim, the four levels on prefixes 1..4. */
export function sampleManifest(overrides: Partial<IndexManifest> = {}): IndexManifest {
  const n = SAMPLE_CELLS.length;
  return {
    format: 'fractal-atlas-index',
    formatVersion: INDEX_FORMAT_VERSION,
    createdAt: '2026-01-01T00:00:00.000Z',
    buildSeconds: 0.1,
    numCells: n,
    inputDim: 4,
    numScales: 4,
    scaleDim: 1,
    levelColumns: [...LEVEL_COLUMNS],
    levelPrefix: { level1_system: 1, level2_lineage: 2, level3_type: 3, level4_subtype: 4 },
    prefixes: [1, 2, 3, 4].map((j) => ({ prefix: j, file: `prefix-${j}.usearch`, dims: j, vectors: n, bytes: 100 })),
    original: null,
    metric: 'cos',
    quantization: 'f32',
    connectivity: 16,
    expansionAdd: 128,
    expansionSearch: 64,
    adapter: { sha256: 'identity', identity: true, file: 'identity' },
    atlas: { sha256: '0'.repeat(64), file: 'fake.parquet', bytes: 1 },
    vocabularies: Object.fromEntries(LEVEL_COLUMNS.map((c, i) => [c, vocab(i)])) as unknown as IndexManifest['vocabularies'],
    clIdVocabulary: [],
    labelCounts: Object.fromEntries(LEVEL_COLUMNS.map((c, i) => [c, vocab(i).map((l) => SAMPLE_CELLS.filter((x) => x[i] === l).length)])) as unknown as IndexManifest['labelCounts'],
    levelTable: [],
    outOfReferenceDistance: 0.5,
    files: {
      labels: { file: 'labels.bin', bytes: 1 },
      cellIds: { file: 'cell-ids.bin', bytes: 1 },
      cellIdOffsets: { file: 'cell-id-offsets.bin', bytes: 1 },
      cellIdHash: { file: 'cell-id-hash.bin', bytes: 1 },
      vectors: { file: 'vectors.f32', bytes: 1 },
      originalVectors: null,
    },
    ...overrides,
  };
}
