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
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { AtlasError, createProgress, readFully } from '../common/index.js';
import { openAtlas } from '../atlas/index.js';
import { IDENTITY_ADAPTER, openEmbeddingAdapter, sha256File, INDEX_FILES, VectorIndex, normalizedPrefix, INDEX_FORMAT_VERSION, metricFor, type EmbeddingAdapter, type IndexParams, type IndexFileEntry, type IndexManifest, type Quantization } from '../index-files/index.js';
import { embedAtlas, throwIfAborted } from './embed-pass.js';
import { exists, publish, removeStaleTemps } from './build-folder.js';
import { calibrateOutOfReference } from './calibrate.js';
import { describeEncoder } from './encoder-entry.js';
import { type BuildAtlasIndexOptions, type BuildAtlasIndexResult } from './types.js';

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
  // Before the adapter opens: a wrong encoder fails fast and leaves nothing to close.
  const encoder = options.encoderPath !== undefined ? await describeEncoder(options.encoderPath, atlas.dim) : null;
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
      metric: metricFor(p.quantization),
      quantization: p.quantization,
      connectivity: p.connectivity,
      expansionAdd: p.expansionAdd,
      expansionSearch: p.expansionSearch,
      adapter: { sha256: adapterSha, identity: adapter.identity, file: basename(adapterPath), metadata: { ...adapter.metadata } },
      encoder,
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

