/**
 * `buildAtlasIndex`: atlas + adapter → an index folder. Two passes so that only one usearch index is in
 * memory at a time: pass 1 streams the atlas by row group through the adapter, writing the raw adapter
 * outputs (vectors.f32), label codes and cell ids; pass 2 builds one usearch index per prefix j from
 * vectors.f32 (and optionally one over the original embeddings). Everything is written into a temporary
 * folder beside the target, the manifest last, and renamed into place at the end: an interrupted build
 * leaves no folder that openAtlasIndex accepts.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { AtlasError, createProgress } from '../common/index.js';
import { openAtlas } from '../atlas/index.js';
import type { AtlasBatch } from '../atlas/index.js';
import { LEVEL_COLUMNS, type LevelColumn } from '../ontology/index.js';
import { IDENTITY_ADAPTER, openEmbeddingAdapter, sha256File, type EmbeddingAdapter } from './adapter-port.js';
import { CellIdWriter, readFully, writeFully } from './cell-id-store.js';
import { MAX_VOCABULARY, NO_CL_ID, labelBytes } from './label-store.js';
import { INDEX_FILES } from './manifest.js';
import { calibrateOutOfReference } from './calibrate.js';
import { VectorIndex, type IndexParams } from './usearch-io.js';
import { firstNonFinite, normalizedPrefix } from './vector-math.js';
import { INDEX_FORMAT_VERSION, type BuildAtlasIndexOptions, type BuildAtlasIndexResult, type IndexFileEntry, type IndexManifest, type Quantization } from './types.js';

/** Defaults of the build parameters (usearch's own defaults are 16 / 128 / 64). */
export const BUILD_DEFAULTS = { quantization: 'f32' as Quantization, connectivity: 16, expansionAdd: 128, expansionSearch: 64 };
/** Rows per usearch add call in pass 2. */
const ADD_CHUNK = 16_384;

/** Test hook: an adapter object used instead of opening `adapterPath` (whose hash is still recorded). */
export interface BuildHooks {
  readonly adapter?: EmbeddingAdapter;
}

function checkOptions(o: BuildAtlasIndexOptions) {
  const quantization = o.quantization ?? BUILD_DEFAULTS.quantization;
  if (!['f32', 'f16', 'i8'].includes(quantization)) throw new AtlasError('invalid_argument', `quantization must be f32, f16 or i8, got ${JSON.stringify(quantization)}`);
  const int = (v: number | undefined, name: string, fallback: number, min: number, max: number) => {
    const x = v ?? fallback;
    if (!Number.isSafeInteger(x) || x < min || x > max) throw new AtlasError('invalid_argument', `${name} must be an integer in [${min}, ${max}], got ${x}`);
    return x;
  };
  return {
    quantization,
    connectivity: int(o.connectivity, 'connectivity', BUILD_DEFAULTS.connectivity, 2, 256),
    expansionAdd: int(o.expansionAdd, 'expansion-add', BUILD_DEFAULTS.expansionAdd, 1, 4096),
    expansionSearch: int(o.expansionSearch, 'expansion-search', BUILD_DEFAULTS.expansionSearch, 1, 4096),
    threads: int(o.threads, 'threads', availableParallelism(), 1, 1024),
  };
}

function throwIfAborted(signal: AbortSignal | undefined): void {
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

/** Builds the index folder `outDir` (see the module comment). */
export async function buildAtlasIndex(options: BuildAtlasIndexOptions, hooks: BuildHooks = {}): Promise<BuildAtlasIndexResult> {
  const started = performance.now();
  const p = checkOptions(options);
  const outDir = resolve(options.outDir);
  if (!options.overwrite && (await exists(outDir))) {
    throw new AtlasError('invalid_argument', `${outDir} already exists; pass --overwrite to replace it`);
  }
  const atlas = await openAtlas(options.referencePath);
  if (atlas.numRows === 0) throw new AtlasError('invalid_atlas', `${options.referencePath} has no rows`);
  const adapterPath = options.adapterPath;
  if (adapterPath !== IDENTITY_ADAPTER && !(await exists(adapterPath))) throw new AtlasError('file_not_found', `adapter not found: ${adapterPath}`);
  const adapter = hooks.adapter ?? (await openEmbeddingAdapter(adapterPath, { inputDim: atlas.dim, threads: p.threads }));
  await removeStaleTemps(outDir);
  const tmp = join(dirname(outDir), `.${basename(outDir)}.build-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    if (adapter.inputDim !== atlas.dim) {
      throw new AtlasError('wrong_dimension', `the adapter takes ${adapter.inputDim}-d embeddings, the atlas has ${atlas.dim}-d`);
    }
    await mkdir(tmp, { recursive: false });
    const phases: Record<string, number> = {};
    let mark = performance.now();
    const lap = (name: string) => {
      const now = performance.now();
      phases[name] = Math.round(now - mark) / 1000;
      mark = now;
    };
    const [atlasSha, adapterSha] = await Promise.all([sha256File(options.referencePath), sha256File(adapterPath)]);
    throwIfAborted(options.signal);
    lap('hash');
    const pass1 = await embedAtlas(atlas, adapter, tmp, !!options.withOriginal && !adapter.identity, options.signal);
    lap('embed');
    const N = atlas.numRows;
    const S = adapter.numScales;
    const d = adapter.scaleDim;
    const prefixes: IndexFileEntry[] = [];
    let outOfReferenceDistance = 1;
    for (let j = 1; j <= S; j++) {
      const params: IndexParams = { dims: j * d, ...p };
      const index = await buildPrefixIndex(join(tmp, INDEX_FILES.vectors), N, S * d, params, `prefix ${j}/${S}`, p.threads, options.signal);
      lap(`index${j}`);
      if (j === S) outOfReferenceDistance = calibrateOutOfReference(index, join(tmp, INDEX_FILES.vectors), N, S * d, j * d, p.threads);
      index.save(join(tmp, INDEX_FILES.prefix(j)));
      lap(j === S ? `save${j}+calibrate` : `save${j}`);
      prefixes.push({ prefix: j, file: INDEX_FILES.prefix(j), dims: j * d, vectors: N, bytes: (await stat(join(tmp, INDEX_FILES.prefix(j)))).size });
    }
    let original: IndexFileEntry | null = null;
    if (options.withOriginal) {
      const source = adapter.identity ? INDEX_FILES.vectors : INDEX_FILES.originalVectors;
      const index = await buildPrefixIndex(join(tmp, source), N, atlas.dim, { dims: atlas.dim, ...p }, 'original', p.threads, options.signal);
      lap('indexOriginal');
      index.save(join(tmp, INDEX_FILES.original));
      original = { prefix: 0, file: INDEX_FILES.original, dims: atlas.dim, vectors: N, bytes: (await stat(join(tmp, INDEX_FILES.original))).size };
    }
    const seconds = (performance.now() - started) / 1000;
    const fileEntry = async (file: string) => ({ file, bytes: (await stat(join(tmp, file))).size });
    const manifest: IndexManifest = {
      format: 'fractal-atlas-index',
      formatVersion: INDEX_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      buildSeconds: Math.round(seconds * 1000) / 1000,
      numCells: N,
      inputDim: atlas.dim,
      numScales: S,
      scaleDim: d,
      levelColumns: [...adapter.levelColumns],
      levelPrefix: { ...adapter.levelPrefix },
      prefixes,
      original,
      metric: 'cos',
      quantization: p.quantization,
      connectivity: p.connectivity,
      expansionAdd: p.expansionAdd,
      expansionSearch: p.expansionSearch,
      adapter: { sha256: adapterSha, identity: adapter.identity, file: basename(adapterPath), metadata: { ...adapter.metadata } },
      atlas: { sha256: atlasSha, file: basename(options.referencePath), bytes: (await stat(options.referencePath)).size },
      vocabularies: pass1.vocabularies,
      clIdVocabulary: pass1.clIdVocabulary,
      labelCounts: pass1.labelCounts,
      levelTable: pass1.levelTable,
      outOfReferenceDistance,
      files: {
        labels: await fileEntry(INDEX_FILES.labels),
        cellIds: await fileEntry(INDEX_FILES.cellIds),
        cellIdOffsets: await fileEntry(INDEX_FILES.cellIdOffsets),
        cellIdHash: await fileEntry(INDEX_FILES.cellIdHash),
        vectors: await fileEntry(INDEX_FILES.vectors),
        originalVectors: pass1.wroteOriginal ? await fileEntry(INDEX_FILES.originalVectors) : null,
      },
    };
    throwIfAborted(options.signal);
    // Manifest last: its presence is what makes a folder an index.
    await writeFile(join(tmp, INDEX_FILES.manifest), JSON.stringify(manifest, null, 1));
    await publish(tmp, outDir);
    const totalVectors = N * (S + (original ? 1 : 0));
    return { outDir, manifest, seconds, vectorsPerSecond: totalVectors / seconds, phases };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    if (!hooks.adapter) await adapter.close();
  }
}

/** Removes temp folders of earlier builds of the same target whose process is gone (killed builds). */
async function removeStaleTemps(outDir: string): Promise<void> {
  const prefix = `.${basename(outDir)}.build-`;
  let names: string[];
  try {
    names = await readdir(dirname(outDir));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (!Number.isSafeInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    await rm(join(dirname(outDir), name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Renames the finished folder into place; an existing target is moved aside first and removed after. */
async function publish(tmp: string, outDir: string): Promise<void> {
  let old: string | null = null;
  if (await exists(outDir)) {
    old = `${tmp}.old`;
    await rename(outDir, old);
  }
  await rename(tmp, outDir);
  if (old) await rm(old, { recursive: true, force: true });
}

interface Pass1Result {
  vocabularies: Record<LevelColumn, string[]>;
  clIdVocabulary: string[];
  labelCounts: Record<LevelColumn, number[]>;
  levelTable: number[][];
  wroteOriginal: boolean;
}

/** Pass 1: adapter outputs, label codes and cell ids, streamed by row group. */
async function embedAtlas(
  atlas: Awaited<ReturnType<typeof openAtlas>>,
  adapter: EmbeddingAdapter,
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
      const full = await adapter.embed(batch.embeddings, n);
      if (full.length !== n * width) throw new AtlasError('invalid_model', `the adapter returned ${full.length} values for ${n} rows of ${width}`);
      const bad = firstNonFinite(full);
      if (bad >= 0) throw new AtlasError('invalid_atlas', `the adapter output of atlas row ${row + Math.floor(bad / width)} is not finite (NaN or Infinity in the input embedding?)`);
      writeFully(vectorsFd, full);
      if (writeOriginal) writeFully(originalFd, batch.embeddings);
      storeLabels(batch, vocabs, clVocab, labels, N, tuples);
      cellIds.append(batch.cellIds);
      row += n;
      progress.increment(n);
    }
  } finally {
    progress.stop();
    closeSync(vectorsFd);
    if (originalFd >= 0) closeSync(originalFd);
  }
  if (row !== N) throw new AtlasError('invalid_atlas', `read ${row} rows, the atlas says ${N}`);
  cellIds.finish();
  const fd = openSync(join(tmp, INDEX_FILES.labels), 'wx');
  try {
    writeFully(fd, labels);
  } finally {
    closeSync(fd);
  }
  const vocabularies = {} as Record<LevelColumn, string[]>;
  const labelCounts = {} as Record<LevelColumn, number[]>;
  LEVEL_COLUMNS.forEach((c, l) => {
    vocabularies[c] = vocabs[l]!.words;
    const counts = new Array<number>(vocabs[l]!.words.length).fill(0);
    const col = labels.subarray(l * N, (l + 1) * N);
    for (let r = 0; r < N; r++) counts[col[r]!]!++;
    labelCounts[c] = counts;
  });
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

/** Pass 2 for one space: stream a vectors file, normalise its first `params.dims` of `rowDim`, add. */
async function buildPrefixIndex(
  vectorsPath: string,
  N: number,
  rowDim: number,
  params: IndexParams,
  label: string,
  threads: number,
  signal: AbortSignal | undefined,
): Promise<VectorIndex> {
  const index = VectorIndex.create(params);
  const fd = openSync(vectorsPath, 'r');
  const progress = createProgress(`index ${label}`, N);
  try {
    for (let start = 0; start < N; start += ADD_CHUNK) {
      throwIfAborted(signal);
      const n = Math.min(ADD_CHUNK, N - start);
      const raw = new Float32Array(n * rowDim);
      readFully(fd, new Uint8Array(raw.buffer), start * rowDim * 4);
      index.add(start, normalizedPrefix(raw, n, rowDim, params.dims), threads);
      progress.increment(n);
      // Yield between chunks so an abort signal (or SIGINT handler) can run.
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    progress.stop();
    closeSync(fd);
  }
  return index;
}

