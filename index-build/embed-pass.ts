/**
 * Pass 1 of the build: streams the atlas by row group through the adapter and writes the raw adapter outputs
 * (vectors.f32), optionally the original embeddings, the label codes (labels.bin) and the cell-id files,
 * collecting the vocabularies, label counts and level table on the way.
 */
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { AtlasError, createProgress, firstNonFinite, writeFully, LEVEL_COLUMNS, type LevelColumn } from '../common/index.js';
import type { AtlasBatch, AtlasReader } from '../atlas/index.js';
import { CellIdWriter, MAX_VOCABULARY, NO_CL_ID, labelBytes, INDEX_FILES } from '../index-files/index.js';
import { type Adapter } from '../adapter/index.js';

/** Throws when the build's abort signal fired (checked between batches). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AtlasError('internal', 'build aborted');
}

/** Global label codes: per-batch dictionaries remapped through one vocabulary per column. */
class Vocabulary {
  readonly words: string[] = [];
  private readonly index = new Map<string, number>();
  constructor(private readonly what: string) {}
  remap(dictionary: readonly string[]): Int32Array {
    const out = new Int32Array(dictionary.length);
    dictionary.forEach((w, i) => {
      let c = this.index.get(w);
      if (c === undefined) {
        c = this.words.length;
        if (c >= MAX_VOCABULARY) throw new AtlasError('invalid_atlas', `${this.what} has more than ${MAX_VOCABULARY} distinct labels`);
        this.words.push(w);
        this.index.set(w, c);
      }
      out[i] = c;
    });
    return out;
  }
}

export interface Pass1Result {
  vocabularies: Record<LevelColumn, string[]>;
  clIdVocabulary: string[];
  labelCounts: Record<LevelColumn, number[]>;
  levelTable: number[][];
  wroteOriginal: boolean;
}

/** The adapter outputs of one batch (from atlas row `row`), checked for their count and finiteness. */
async function embedBatch(adapter: Adapter, batch: AtlasBatch, width: number, row: number): Promise<Float32Array> {
  const n = batch.numRows;
  const full = await adapter.embed(batch.embeddings, n);
  if (full.length !== n * width) throw new AtlasError('invalid_model', `the adapter returned ${full.length} values for ${n} rows of ${width}`);
  const bad = firstNonFinite(full);
  if (bad >= 0) throw new AtlasError('invalid_atlas', `the adapter output of atlas row ${row + Math.floor(bad / width)} is not finite (NaN or Infinity in the input embedding?)`);
  return full;
}

function writeLabelsFile(path: string, labels: Uint16Array): void {
  const fd = openSync(path, 'wx');
  try {
    writeFully(fd, labels);
  } finally {
    closeSync(fd);
  }
}

/** Per level: its vocabulary and how many of the N cells carry each label code. */
function countLabels(vocabs: readonly Vocabulary[], labels: Uint16Array, N: number): Pick<Pass1Result, 'vocabularies' | 'labelCounts'> {
  const vocabularies = {} as Record<LevelColumn, string[]>;
  const labelCounts = {} as Record<LevelColumn, number[]>;
  LEVEL_COLUMNS.forEach((c, l) => {
    vocabularies[c] = vocabs[l]!.words;
    const counts = new Array<number>(vocabs[l]!.words.length).fill(0);
    const col = labels.subarray(l * N, (l + 1) * N);
    for (let r = 0; r < N; r++) counts[col[r]!]!++;
    labelCounts[c] = counts;
  });
  return { vocabularies, labelCounts };
}

/** Pass 1: adapter outputs, label codes and cell ids, streamed by row group. */
export async function embedAtlas(
  atlas: AtlasReader,
  adapter: Adapter,
  tmp: string,
  writeOriginal: boolean,
  signal: AbortSignal | undefined,
): Promise<Pass1Result> {
  const N = atlas.numRows;
  const width = adapter.numScales * adapter.scaleDim;
  const vocabs = LEVEL_COLUMNS.map((c) => new Vocabulary(c));
  const clVocab = new Vocabulary('cl_id');
  const labels = new Uint16Array(labelBytes(N) / 2);
  const tuples = new Map<number, number[][]>();
  const cellIds = new CellIdWriter(
    { ids: join(tmp, INDEX_FILES.cellIds), offsets: join(tmp, INDEX_FILES.cellIdOffsets), hash: join(tmp, INDEX_FILES.cellIdHash) },
    N,
  );
  const vectorsFd = openSync(join(tmp, INDEX_FILES.vectors), 'wx');
  const originalFd = writeOriginal ? openSync(join(tmp, INDEX_FILES.originalVectors), 'wx') : -1;
  const progress = createProgress('embedding', N);
  let row = 0;
  try {
    for await (const batch of atlas.batches()) {
      throwIfAborted(signal);
      if (batch.rowOffset !== row) throw new AtlasError('invalid_atlas', `row group starts at row ${batch.rowOffset}, expected ${row}`);
      const n = batch.numRows;
      const full = await embedBatch(adapter, batch, width, row);
      writeFully(vectorsFd, full);
      if (writeOriginal) writeFully(originalFd, batch.embeddings);
      storeLabels(batch, vocabs, clVocab, labels, N, tuples);
      cellIds.append(batch.cellIds);
      row += n;
      progress.increment(n);
    }
  } catch (err) {
    cellIds.close();
    throw err;
  } finally {
    progress.stop();
    closeSync(vectorsFd);
    if (originalFd >= 0) closeSync(originalFd);
  }
  if (row !== N) throw new AtlasError('invalid_atlas', `read ${row} rows, the atlas says ${N}`);
  cellIds.finish();
  writeLabelsFile(join(tmp, INDEX_FILES.labels), labels);
  const { vocabularies, labelCounts } = countLabels(vocabs, labels, N);
  const levelTable = [...tuples.values()].flat().sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]! || a[3]! - b[3]!);
  return { vocabularies, clIdVocabulary: clVocab.words, labelCounts, levelTable, wroteOriginal: writeOriginal };
}

function storeLabels(batch: AtlasBatch, vocabs: Vocabulary[], clVocab: Vocabulary, labels: Uint16Array, N: number, tuples: Map<number, number[][]>): void {
  const n = batch.numRows;
  const base = batch.rowOffset;
  const maps = LEVEL_COLUMNS.map((c, l) => vocabs[l]!.remap(batch.levels[c].dictionary));
  LEVEL_COLUMNS.forEach((c, l) => {
    const codes = batch.levels[c].codes;
    const map = maps[l]!;
    const out = labels.subarray(l * N + base, l * N + base + n);
    for (let i = 0; i < n; i++) out[i] = map[codes[i]!]!;
  });
  const clOut = labels.subarray(LEVEL_COLUMNS.length * N + base, LEVEL_COLUMNS.length * N + base + n);
  if (batch.clIds) {
    // The atlas decodes a missing cl_id as '' (MISSING_CL_ID): stored as NO_CL_ID, never in the vocabulary.
    const dict = batch.clIds.dictionary;
    const present = clVocab.remap(dict.filter((s) => s !== ''));
    const map = new Int32Array(dict.length).fill(NO_CL_ID);
    let p = 0;
    dict.forEach((s, i) => {
      if (s !== '') map[i] = present[p++]!;
    });
    for (let i = 0; i < n; i++) clOut[i] = map[batch.clIds.codes[i]!]!;
  } else {
    clOut.fill(NO_CL_ID);
  }
  // Distinct level tuples into the level table; tuples are grouped by subtype code, so a row costs a
  // comparison with the (usually single) tuple already seen for its subtype.
  for (let i = 0; i < n; i++) {
    const c0 = labels[base + i]!;
    const c1 = labels[N + base + i]!;
    const c2 = labels[2 * N + base + i]!;
    const c3 = labels[3 * N + base + i]!;
    let seen = tuples.get(c3);
    if (!seen) tuples.set(c3, (seen = []));
    if (!seen.some((t) => t[0] === c0 && t[1] === c1 && t[2] === c2)) seen.push([c0, c1, c2, c3]);
  }
}

