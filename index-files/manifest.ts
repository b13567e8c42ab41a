/** The index folder layout, and reading / verifying its manifest (no native calls here). */
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AtlasError, LEVEL_COLUMNS } from '../common/index.js';
import { decodeMapHeader } from '../reference-map/index.js';
import { cellIdHashBytes } from './cell-id-store.js';
import { labelBytes } from './label-store.js';
import { checkManifestFields } from './manifest-schema.js';
import { INDEX_FORMAT_VERSION, metricFor, type IndexManifest } from './types.js';

/** File names inside an index folder. The manifest is written last: a folder without it is incomplete. */
export const INDEX_FILES = {
  manifest: 'manifest.json',
  labels: 'labels.bin',
  cellIds: 'cellids.bin',
  cellIdOffsets: 'cellid-offsets.bin',
  cellIdHash: 'cellid-hash.bin',
  vectors: 'vectors.f32',
  originalVectors: 'original.f32',
  prefix: (j: number) => `prefix-${j}.usearch`,
  original: 'original.usearch',
  map: 'map.bin',
} as const;

function mismatch(dir: string, why: string): AtlasError {
  return new AtlasError('index_mismatch', `index ${dir} is not usable: ${why}`);
}

/** Reads `manifest.json` of an index folder; a missing folder is file_not_found, a bad manifest index_mismatch. */
export async function readManifest(dir: string): Promise<IndexManifest> {
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw new AtlasError('file_not_found', `index folder ${dir} is not a folder`);
  } catch (err) {
    if (err instanceof AtlasError) throw err;
    throw new AtlasError('file_not_found', `index folder not found: ${dir}`);
  }
  let text: string;
  try {
    text = await readFile(join(dir, INDEX_FILES.manifest), 'utf8');
  } catch {
    throw mismatch(dir, `no ${INDEX_FILES.manifest} (an unfinished or interrupted build?); run fractal-atlas build again`);
  }
  let m: IndexManifest;
  try {
    m = JSON.parse(text) as IndexManifest;
  } catch (err) {
    throw mismatch(dir, `${INDEX_FILES.manifest} is not valid JSON (${(err as Error).message})`);
  }
  if (m?.format !== 'fractal-atlas-index') throw mismatch(dir, `${INDEX_FILES.manifest} is not a fractal-atlas index manifest`);
  if (m.formatVersion !== INDEX_FORMAT_VERSION) {
    throw mismatch(dir, `format version ${m.formatVersion}, this fractal-atlas reads version ${INDEX_FORMAT_VERSION}; rebuild the index`);
  }
  const problem = checkManifestFields(m);
  if (problem) throw mismatch(dir, problem);
  checkShape(dir, m);
  return m;
}

function checkShape(dir: string, m: IndexManifest): void {
  const posInt = (v: unknown) => Number.isSafeInteger(v) && (v as number) > 0;
  if (!posInt(m.numCells) || !posInt(m.inputDim) || !posInt(m.numScales) || !posInt(m.scaleDim)) {
    throw mismatch(dir, 'manifest counts or dimensions are missing');
  }
  if (!Array.isArray(m.prefixes) || m.prefixes.length !== m.numScales) throw mismatch(dir, `manifest lists ${m.prefixes?.length} prefix indexes for ${m.numScales} scales`);
  m.prefixes.forEach((p, i) => {
    if (p.file !== INDEX_FILES.prefix(i + 1)) throw mismatch(dir, `manifest names ${p.file} for prefix ${i + 1}, expected ${INDEX_FILES.prefix(i + 1)}`);
    if (p.prefix !== i + 1 || p.dims !== (i + 1) * m.scaleDim || p.vectors !== m.numCells) throw mismatch(dir, `manifest entry of prefix ${i + 1} is inconsistent`);
  });
  const bad = m.beams?.entries.find((e) => e.prefix < 1 || e.prefix > m.numScales);
  if (bad) throw mismatch(dir, `manifest beams name prefix ${bad.prefix}, the index has prefixes 1..${m.numScales}`);
  if (m.metric !== metricFor(m.quantization)) throw mismatch(dir, `manifest metric ${m.metric} is not the one ${m.quantization} indexes use (${metricFor(m.quantization)})`);
  if (m.encoder !== undefined && m.encoder !== null) {
    const e = m.encoder;
    if (typeof e.sha256 !== 'string' || !posInt(e.numGenes) || e.latentDim !== m.inputDim || typeof e.geneOrderSha256 !== 'string') {
      throw mismatch(dir, 'manifest entry of the expression encoder is inconsistent');
    }
  }
  if (m.original && (m.original.dims !== m.inputDim || m.original.vectors !== m.numCells)) throw mismatch(dir, 'manifest entry of the original index is inconsistent');
  if (!Array.isArray(m.levelColumns) || m.levelColumns.length === 0 || m.levelColumns.some((c) => !LEVEL_COLUMNS.includes(c))) {
    throw mismatch(dir, 'manifest level columns are invalid');
  }
  for (const c of m.levelColumns) {
    const j = (m.levelPrefix as Record<string, number> | undefined)?.[c as string];
    if (!Number.isInteger(j) || j! < 1 || j! > m.numScales) throw mismatch(dir, `manifest maps level ${c} to no valid prefix`);
  }
  for (const c of Object.keys(m.levelPrefix)) {
    if (!m.levelColumns.includes(c as never)) throw mismatch(dir, `manifest maps level ${c}, which is not among its level columns`);
  }
  for (const c of LEVEL_COLUMNS) {
    if (m.labelCounts[c].length !== m.vocabularies[c].length) throw mismatch(dir, `manifest label counts of ${c} do not match its vocabulary`);
  }
  m.levelTable.forEach((t, i) => {
    if (t.some((code, l) => code >= m.vocabularies[LEVEL_COLUMNS[l]!].length)) throw mismatch(dir, `manifest levelTable[${i}] has a label code outside its vocabulary`);
  });
  const expect: [string, number, number | undefined][] = [
    [INDEX_FILES.labels, labelBytes(m.numCells), m.files?.labels?.bytes],
    [INDEX_FILES.cellIdOffsets, (m.numCells + 1) * 8, m.files?.cellIdOffsets?.bytes],
    [INDEX_FILES.cellIdHash, cellIdHashBytes(m.numCells), m.files?.cellIdHash?.bytes],
    [INDEX_FILES.vectors, m.numCells * m.numScales * m.scaleDim * 4, m.files?.vectors?.bytes],
  ];
  for (const [file, bytes, listed] of expect) {
    if (bytes !== listed) throw mismatch(dir, `manifest size of ${file} is ${listed}, expected ${bytes}`);
  }
}

/** Every file of the folder with its size and checksum in the manifest. */
export function manifestFiles(m: IndexManifest): { file: string; bytes: number; xxh64: string }[] {
  const files = [m.files.labels, m.files.cellIds, m.files.cellIdOffsets, m.files.cellIdHash, m.files.vectors, ...m.prefixes];
  if (m.files.originalVectors) files.push(m.files.originalVectors);
  if (m.original) files.push(m.original);
  if (m.map) files.push(m.map);
  return files.map((f) => ({ file: f.file, bytes: f.bytes, xxh64: f.xxh64 }));
}

/** Checks that every file exists with its manifest size (a truncated file must never reach usearch). */
export async function verifyFiles(dir: string, m: IndexManifest): Promise<void> {
  for (const { file, bytes } of manifestFiles(m)) {
    let size: number;
    try {
      size = (await stat(join(dir, file))).size;
    } catch {
      throw mismatch(dir, `${file} is missing`);
    }
    if (size !== bytes) throw mismatch(dir, `${file} has ${size} bytes, the manifest says ${bytes}`);
  }
}

/** Refuses an adapter whose sha256 differs from the one the index was built with. */
export function checkAdapterHash(dir: string, m: IndexManifest, sha256: string, adapterPath: string): void {
  if (m.adapter.sha256 !== sha256) {
    throw mismatch(dir, `it was built with adapter ${m.adapter.file} (sha256 ${m.adapter.sha256.slice(0, 12)}…), but ${adapterPath} has sha256 ${sha256.slice(0, 12)}…; pass the same adapter or rebuild`);
  }
}

/**
 * Checks an encoder against the manifest: the index must have been built with one (`build --encoder`), and
 * with this very file (sha256), so that counts land in the space the reference embeddings came from.
 */
export function checkEncoderHash(dir: string, m: IndexManifest, sha256: string, encoderPath: string): void {
  if (!m.encoder) {
    throw mismatch(dir, `it was built without an expression encoder, so ${encoderPath} cannot be checked against its reference space; rebuild with build --encoder ${encoderPath}`);
  }
  if (m.encoder.sha256 !== sha256) {
    throw mismatch(dir, `it was built with encoder ${m.encoder.file} (sha256 ${m.encoder.sha256.slice(0, 12)}…), but ${encoderPath} has sha256 ${sha256.slice(0, 12)}…; pass the same encoder or rebuild`);
  }
}

/** The bytes of map.bin (checked against the manifest and its own header), or null for an index without a map. */
export async function readReferenceMap(dir: string, m: IndexManifest): Promise<Uint8Array | null> {
  if (!m.map) return null;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(join(dir, m.map.file));
  } catch {
    throw mismatch(dir, `${m.map.file} is missing`);
  }
  if (bytes.length !== m.map.bytes) throw mismatch(dir, `${m.map.file} has ${bytes.length} bytes, the manifest says ${m.map.bytes}`);
  try {
    if (decodeMapHeader(bytes).points !== m.map.points) throw new RangeError('its point count differs from the manifest');
  } catch (err) {
    throw mismatch(dir, `${m.map.file} is not a usable map (${(err as Error).message}); redo it with fractal-atlas map --index ${dir}`);
  }
  return bytes;
}

/**
 * Replaces the manifest of a finished index folder: written beside and renamed, so the folder never has a
 * half-written manifest (`map`, `calibrate` update one entry of it).
 */
export async function replaceManifest(dir: string, manifest: IndexManifest): Promise<void> {
  const tmp = join(dir, `${INDEX_FILES.manifest}.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(manifest, null, 1));
  await rename(tmp, join(dir, INDEX_FILES.manifest));
}
