/**
 * Writes a training bundle for adapter/python/train.py (reader: adapter/python/bundle.py; keep both in step):
 *   DIR/bundle.json    {format, version, num_rows, dim, level_columns, vocabularies, fingerprint, source}
 *   DIR/embeddings.npy float32 [num_rows, dim]
 *   DIR/labels.npy     int32   [num_rows, levels]; labels[i, l] indexes vocabularies[l] (sorted, as the seed)
 * Embeddings stream to disk batch by batch; only the int32 label codes stay in memory.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AtlasError } from '../common/index.js';
import { NpyWriter, writeNpy } from './npy.js';

export const BUNDLE_FORMAT = 'fractal-atlas-training-set';
export const BUNDLE_VERSION = 1;

/** The part of an atlas batch a bundle needs (atlas batches fit it as they are). */
export interface TrainingBatch {
  readonly numRows: number;
  readonly dim: number;
  readonly embeddings: Float32Array;
  readonly levels: Readonly<Record<string, { readonly codes: Int32Array; readonly dictionary: readonly string[] }>>;
}

export interface TrainingSetOptions {
  /** Level columns to export, coarse to fine. */
  readonly levelColumns: readonly string[];
  /** Rows to export from the start (0 = all). A stratified atlas is balanced at every prefix of rows. */
  readonly maxSamples: number;
  /** Where the rows came from (recorded in the bundle and the adapter's recipe). */
  readonly source: string;
  /** Called with the running row count after each batch. */
  readonly onProgress?: (rows: number) => void;
}

export interface TrainingSetResult {
  readonly dir: string;
  readonly numRows: number;
  readonly dim: number;
  readonly levelColumns: readonly string[];
  readonly vocabularies: readonly (readonly string[])[];
  /** sha256 over dim, rows, embeddings, level columns, vocabularies and label codes. */
  readonly fingerprint: string;
}

class GrowingInt32 {
  data = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Appends the first `take` rows' codes of each level column of `batch` to `codes`, as first-seen global
 * codes (`firstSeen` grows with new names); `rows` is the global row of the batch's first row (messages).
 */
function appendLevelCodes(batch: TrainingBatch, cols: readonly string[], take: number, rows: number, firstSeen: Map<string, number>[], codes: GrowingInt32[]): void {
  cols.forEach((col, l) => {
    const column = batch.levels[col];
    if (!column) throw new AtlasError('invalid_atlas', `the atlas has no level column ${col}`);
    const local = column.dictionary.map((name) => {
      let g = firstSeen[l].get(name);
      if (g === undefined) firstSeen[l].set(name, (g = firstSeen[l].size));
      return g;
    });
    for (let i = 0; i < take; i++) {
      const c = column.codes[i];
      if (!(c >= 0 && c < local.length)) throw new AtlasError('invalid_atlas', `row ${rows + i} of ${col} has code ${c} outside its dictionary`);
      codes[l].push(local[c]);
    }
  });
}

/**
 * Sorted vocabularies and the row-major [rows × levels] label codes into them: codes follow sorted label
 * names, as the seed's sorted(set(...)) vocabularies.
 */
function sortLabelCodes(firstSeen: readonly Map<string, number>[], codes: readonly GrowingInt32[], rows: number): { vocabularies: string[][]; labels: Int32Array } {
  const vocabularies = firstSeen.map((m) => [...m.keys()].sort(byCodePoint));
  const remap = firstSeen.map((m, l) => {
    const rank = new Map(vocabularies[l].map((name, i) => [name, i]));
    const r = new Int32Array(m.size);
    for (const [name, g] of m) r[g] = rank.get(name)!;
    return r;
  });
  const levels = firstSeen.length;
  const labels = new Int32Array(rows * levels);
  for (let i = 0; i < rows; i++) for (let l = 0; l < levels; l++) labels[i * levels + l] = remap[l][codes[l].data[i]];
  return { vocabularies, labels };
}

/** Streams `batches` into a bundle folder `dir` (created if needed). */
export async function writeTrainingSet(
  batches: AsyncIterable<TrainingBatch> | Iterable<TrainingBatch>,
  dir: string,
  options: TrainingSetOptions,
): Promise<TrainingSetResult> {
  const cols = options.levelColumns;
  if (cols.length === 0) throw new AtlasError('invalid_argument', 'a training set needs at least one level column');
  if (!Number.isInteger(options.maxSamples) || options.maxSamples < 0) throw new AtlasError('invalid_argument', `maxSamples must be a non-negative integer, got ${options.maxSamples}`);
  await mkdir(dir, { recursive: true });
  const hash = createHash('sha256');
  const firstSeen = cols.map(() => new Map<string, number>());
  const codes = cols.map(() => new GrowingInt32());
  let writer: NpyWriter | null = null;
  let dim = 0;
  let rows = 0;
  const limit = options.maxSamples === 0 ? Infinity : options.maxSamples;
  try {
    for await (const batch of batches) {
      if (dim === 0) {
        dim = batch.dim;
        if (!Number.isInteger(dim) || dim < 1) throw new AtlasError('invalid_atlas', `embedding dim ${dim} is not a positive integer`);
        writer = await NpyWriter.create(join(dir, 'embeddings.npy'), 'float32', dim);
      } else if (batch.dim !== dim) throw new AtlasError('invalid_atlas', `batch at row ${rows} has dim ${batch.dim}, earlier ones ${dim}`);
      const take = Math.min(batch.numRows, limit - rows);
      if (batch.embeddings.length !== batch.numRows * dim) throw new AtlasError('invalid_atlas', `batch at row ${rows}: ${batch.embeddings.length} values is not ${batch.numRows} × ${dim}`);
      const emb = batch.embeddings.subarray(0, take * dim);
      for (let i = 0; i < emb.length; i++) {
        if (!Number.isFinite(emb[i])) throw new AtlasError('non_finite', `embedding of row ${rows + Math.floor(i / dim)} is not finite`);
      }
      appendLevelCodes(batch, cols, take, rows, firstSeen, codes);
      await writer!.append(emb);
      hash.update(new Uint8Array(emb.buffer, emb.byteOffset, emb.byteLength));
      rows += take;
      options.onProgress?.(rows);
      if (rows >= limit) break;
    }
    if (writer === null || rows === 0) throw new AtlasError('invalid_atlas', `${options.source} has no rows to train on`);
    await writer.close();
    writer = null;
  } catch (err) {
    await writer?.abort();
    throw err;
  }
  const { vocabularies, labels } = sortLabelCodes(firstSeen, codes, rows);
  hash.update(JSON.stringify({ dim, rows, levelColumns: cols, vocabularies }));
  hash.update(new Uint8Array(labels.buffer));
  const fingerprint = `sha256:${hash.digest('hex')}`;
  await writeNpy(join(dir, 'labels.npy'), labels, [rows, cols.length]);
  const manifest = {
    format: BUNDLE_FORMAT, version: BUNDLE_VERSION, num_rows: rows, dim,
    level_columns: cols, vocabularies, fingerprint, source: options.source,
  };
  await writeFile(join(dir, 'bundle.json'), `${JSON.stringify(manifest)}\n`);
  return { dir, numRows: rows, dim, levelColumns: [...cols], vocabularies, fingerprint };
}
