/**
 * `buildAtlasIndex`: atlas + adapter → an index folder. Two passes so that only one usearch index is in
 * memory at a time: pass 1 streams the atlas by row group through the adapter, writing the raw adapter
 * outputs (vectors.f32), label codes and cell ids; pass 2 builds one usearch index per prefix j from
 * vectors.f32 (and optionally one over the original embeddings). Everything is written into a temporary
 * folder beside the target, the manifest last, and renamed into place at the end: an interrupted build
 * leaves no folder that openAtlasIndex accepts.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { AtlasError, createProgress, sha256File } from '../common/index.js';
import { openAtlas } from '../atlas/index.js';
import { IDENTITY_ADAPTER, adapterSha256, describeAdapter, openAdapter, l2NormalizeRows, type Adapter } from '../adapter/index.js';
import { INDEX_FILES, VectorFile, VectorIndex, checksumFile, INDEX_FORMAT_VERSION, QUANTIZATIONS, metricFor, type IndexParams, type IndexFileEntry, type IndexManifest, type Quantization } from '../index-files/index.js';
import { embedAtlas, throwIfAborted } from './embed-pass.js';
import { exists, publish, removeStaleTemps } from './build-folder.js';
import { calibrateOutOfReference } from './calibrate.js';
import { beamOptionsOf, calibrateBeams } from './calibrate-beams.js';
import { describeEncoder } from './encoder-entry.js';
import { writeReferenceMap } from './map-pass.js';
import { type BuildAtlasIndexOptions, type BuildAtlasIndexResult } from './types.js';

/** Defaults of the build parameters (usearch's own defaults are 16 / 128 / 64). */
export const BUILD_DEFAULTS = { quantization: QUANTIZATIONS[0] as Quantization, connectivity: 16, expansionAdd: 128, expansionSearch: 64 };
/** Accepted ranges of the build parameters (the CLI reads them too). */
export const BUILD_LIMITS = {
  connectivity: { min: 2, max: 256 },
  expansionAdd: { min: 1, max: 4096 },
  expansionSearch: { min: 1, max: 4096 },
  threads: { min: 1, max: 1024 },
  recallTarget: { min: 0.5, max: 1 },
} as const;
/** Rows per usearch add call in pass 2. */
const ADD_CHUNK = 16_384;

/** Test hook: an adapter object used instead of opening `adapterPath` (whose hash is still recorded). */
export interface BuildHooks {
  readonly adapter?: Adapter;
}

function checkOptions(o: BuildAtlasIndexOptions) {
  const quantization = o.quantization ?? BUILD_DEFAULTS.quantization;
  if (!QUANTIZATIONS.includes(quantization)) throw new AtlasError('invalid_argument', `quantization must be one of ${QUANTIZATIONS.join(', ')}, got ${JSON.stringify(quantization)}`);
  const int = (v: number | undefined, name: string, fallback: number, { min, max }: { min: number; max: number }) => {
    const x = v ?? fallback;
    if (!Number.isSafeInteger(x) || x < min || x > max) throw new AtlasError('invalid_argument', `${name} must be an integer in [${min}, ${max}], got ${x}`);
    return x;
  };
  return {
    quantization,
    connectivity: int(o.connectivity, 'connectivity', BUILD_DEFAULTS.connectivity, BUILD_LIMITS.connectivity),
    expansionAdd: int(o.expansionAdd, 'expansion-add', BUILD_DEFAULTS.expansionAdd, BUILD_LIMITS.expansionAdd),
    expansionSearch: int(o.expansionSearch, 'expansion-search', BUILD_DEFAULTS.expansionSearch, BUILD_LIMITS.expansionSearch),
    threads: int(o.threads, 'threads', availableParallelism(), BUILD_LIMITS.threads),
    recallTarget: checkRecallTarget(o.recallTarget ?? null),
  };
}

function checkRecallTarget(r: number | null): number | null {
  const { min, max } = BUILD_LIMITS.recallTarget;
  if (r !== null && !(Number.isFinite(r) && r >= min && r <= max)) throw new AtlasError('invalid_argument', `recall target must be a number in [${min}, ${max}] (or null: no calibrated beams), got ${r}`);
  return r;
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
  const adapter = hooks.adapter ?? (await openAdapter(adapterPath, { inputDim: atlas.dim, threads: p.threads }));
  await removeStaleTemps(outDir);
  const tmp = join(dirname(outDir), `.${basename(outDir)}.build-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    if (adapter.inputDim !== atlas.dim) {
      throw new AtlasError('wrong_dimension', `the adapter takes ${adapter.inputDim}-d embeddings, the atlas has ${atlas.dim}-d`);
    }
    await mkdir(tmp, { recursive: false });
    const timer = createPhaseTimer();
    const [atlasSha, adapterSha] = await Promise.all([sha256File(options.referencePath), adapterSha256(adapterPath)]);
    throwIfAborted(options.signal);
    timer.lap('hash');
    const pass1 = await embedAtlas(atlas, adapter, tmp, !!options.withOriginal && !adapter.identity, options.signal);
    timer.lap('embed');
    const pass2 = await buildIndexes(tmp, atlas.numRows, atlas.dim, adapter, p, !!options.withOriginal, options.signal, timer.lap);
    const layout = { prefixes: pass2.prefixes, numCells: atlas.numRows, numScales: adapter.numScales, scaleDim: adapter.scaleDim, ...p };
    const beams = p.recallTarget === null ? null : await calibrateBeams(beamOptionsOf(tmp, layout, p.recallTarget, p.threads, options.signal));
    if (beams) timer.lap('beams');
    const mapInputs = { numCells: atlas.numRows, numScales: adapter.numScales, scaleDim: adapter.scaleDim, vocabularies: pass1.vocabularies, clIdVocabulary: pass1.clIdVocabulary };
    const map = options.map ? await writeReferenceMap(tmp, mapInputs, { threads: p.threads, signal: options.signal, ...options.map }) : null;
    if (map) timer.lap('map');
    const seconds = (performance.now() - started) / 1000;
    const manifest = await assembleManifest({ tmp, options, atlas, adapter, p, pass1, pass2, beams, map, seconds, atlasSha, adapterSha, encoder });
    throwIfAborted(options.signal);
    // Manifest last: its presence is what makes a folder an index.
    await writeFile(join(tmp, INDEX_FILES.manifest), JSON.stringify(manifest, null, 1));
    await publish(tmp, outDir);
    const totalVectors = atlas.numRows * (adapter.numScales + (pass2.original ? 1 : 0));
    return { outDir, manifest, seconds, vectorsPerSecond: totalVectors / seconds, phases: timer.phases };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    if (!hooks.adapter) await adapter.close();
  }
}

/** What {@link assembleManifest} describes: the finished temp folder and what went into it. */
interface ManifestInputs {
  readonly tmp: string;
  readonly options: BuildAtlasIndexOptions;
  readonly atlas: { readonly numRows: number; readonly dim: number };
  readonly adapter: Adapter;
  readonly p: ReturnType<typeof checkOptions>;
  readonly pass1: Awaited<ReturnType<typeof embedAtlas>>;
  readonly pass2: Awaited<ReturnType<typeof buildIndexes>>;
  readonly beams: IndexManifest['beams'];
  readonly map: IndexManifest['map'];
  readonly seconds: number;
  readonly atlasSha: string;
  readonly adapterSha: string;
  readonly encoder: IndexManifest['encoder'];
}

/** The manifest of a built folder (sizes of its files, read from `tmp`). */
async function assembleManifest({ tmp, options, atlas, adapter, p, pass1, pass2, beams, map, seconds, atlasSha, adapterSha, encoder }: ManifestInputs): Promise<IndexManifest> {
  const adapterPath = options.adapterPath;
  const fileEntry = (file: string) => dataFileEntry(tmp, file);
  return {
    format: 'fractal-atlas-index',
    formatVersion: INDEX_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    buildSeconds: Math.round(seconds * 1000) / 1000,
    numCells: atlas.numRows,
    inputDim: atlas.dim,
    numScales: adapter.numScales,
    scaleDim: adapter.scaleDim,
    levelColumns: [...adapter.levelColumns],
    levelPrefix: { ...adapter.levelPrefix },
    ...pass2,
    metric: metricFor(p.quantization),
    quantization: p.quantization,
    connectivity: p.connectivity,
    expansionAdd: p.expansionAdd,
    expansionSearch: p.expansionSearch,
    // Absent rather than null without calibration: such a folder stays readable by versions before beams.
    ...(beams ? { beams } : {}),
    adapter: { sha256: adapterSha, identity: adapter.identity, file: basename(adapterPath), metadata: describeAdapter(adapter) },
    encoder,
    atlas: { sha256: atlasSha, file: basename(options.referencePath), bytes: (await stat(options.referencePath)).size },
    vocabularies: pass1.vocabularies,
    clIdVocabulary: pass1.clIdVocabulary,
    labelCounts: pass1.labelCounts,
    levelTable: pass1.levelTable,
    files: {
      labels: await fileEntry(INDEX_FILES.labels),
      cellIds: await fileEntry(INDEX_FILES.cellIds),
      cellIdOffsets: await fileEntry(INDEX_FILES.cellIdOffsets),
      cellIdHash: await fileEntry(INDEX_FILES.cellIdHash),
      vectors: await fileEntry(INDEX_FILES.vectors),
      originalVectors: pass1.wroteOriginal ? await fileEntry(INDEX_FILES.originalVectors) : null,
    },
    map,
  };
}

/** Size and xxh64 of a file just written (still in the page cache, so the hash costs little). */
async function dataFileEntry(tmp: string, file: string): Promise<{ file: string; bytes: number; xxh64: string }> {
  return { file, bytes: (await stat(join(tmp, file))).size, xxh64: await checksumFile(join(tmp, file)) };
}

/** Saves an index; usearch's own error on a full disk ("Failed to serialize into stream") becomes write_failed. */
function saveIndex(index: VectorIndex, path: string): void {
  try {
    index.save(path);
  } catch (err) {
    throw new AtlasError('write_failed', `cannot write ${path}: ${(err as Error).message} (disk full?)`);
  }
}

/** Seconds per named phase, each measured from the end of the previous one. */
function createPhaseTimer() {
  const phases: Record<string, number> = {};
  let mark = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round(now - mark) / 1000;
    mark = now;
  };
  return { phases, lap };
}

/** Pass 2: one usearch index per prefix j (the finest also calibrates), and the original index if asked. */
async function buildIndexes(tmp: string, N: number, inputDim: number, adapter: Adapter, p: ReturnType<typeof checkOptions>, withOriginal: boolean, signal: AbortSignal | undefined, lap: (phase: string) => void) {
  const S = adapter.numScales;
  const d = adapter.scaleDim;
  const vectors = join(tmp, INDEX_FILES.vectors);
  const entry = async (prefix: number, file: string, dims: number): Promise<IndexFileEntry> => ({ prefix, dims, vectors: N, ...(await dataFileEntry(tmp, file)) });
  const prefixes: IndexFileEntry[] = [];
  let outOfReferenceDistance = 1;
  for (let j = 1; j <= S; j++) {
    const index = await buildPrefixIndex(vectors, N, S * d, { dims: j * d, ...p }, `prefix ${j}/${S}`, p.threads, signal);
    lap(`index${j}`);
    if (j === S) outOfReferenceDistance = calibrateOutOfReference(index, vectors, N, S * d, j * d, p.threads);
    saveIndex(index, join(tmp, INDEX_FILES.prefix(j)));
    lap(j === S ? `save${j}+calibrate` : `save${j}`);
    prefixes.push(await entry(j, INDEX_FILES.prefix(j), j * d));
  }
  let original: IndexFileEntry | null = null;
  if (withOriginal) {
    const source = adapter.identity ? INDEX_FILES.vectors : INDEX_FILES.originalVectors;
    const index = await buildPrefixIndex(join(tmp, source), N, inputDim, { dims: inputDim, ...p }, 'original', p.threads, signal);
    lap('indexOriginal');
    saveIndex(index, join(tmp, INDEX_FILES.original));
    original = await entry(0, INDEX_FILES.original, inputDim);
  }
  return { prefixes, original, outOfReferenceDistance };
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
  const file = new VectorFile(vectorsPath, rowDim, N);
  const progress = createProgress(`index ${label}`, N);
  try {
    for (let start = 0; start < N; start += ADD_CHUNK) {
      throwIfAborted(signal);
      const n = Math.min(ADD_CHUNK, N - start);
      index.add(start, l2NormalizeRows(file.readRange(start, n), n, rowDim, params.dims), threads);
      progress.increment(n);
      // Yield between chunks so an abort signal (or SIGINT handler) can run.
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    progress.stop();
    file.close();
  }
  return index;
}

