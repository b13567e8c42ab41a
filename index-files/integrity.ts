/**
 * Integrity of an index folder beyond its manifest: xxh64 checksums of every file (written by the build,
 * checked by `--verify full`) and the cheap structural checks of `--verify quick`. Everything here reads with
 * async positional reads and hashes in WASM slices of a few MiB, so the event loop is never held for long.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createXXHash64 } from 'hash-wasm';
import { AtlasError, LEVEL_COLUMNS } from '../common/index.js';
import { NO_CL_ID, labelBytes, loadLabelTable } from './label-store.js';
import { INDEX_FILES, manifestFiles, readManifest, verifyFiles } from './manifest.js';
import { VERIFY_MODES, type IndexManifest, type VerifyMode } from './types.js';

/** Bytes read (and hashed) per slice. */
const SLICE = 8 << 20;
const BUCKETS = 65536;

/** What a verification checked, for logs and `fractal-atlas verify`. */
export interface VerifyResult {
  readonly mode: VerifyMode;
  readonly files: number;
  /** Bytes read by the checks (all bytes for `full`). */
  readonly bytesRead: number;
  readonly seconds: number;
}

function corrupt(dir: string, file: string, why: string): AtlasError {
  return new AtlasError('index_corrupt', `index ${dir} is damaged: ${file} ${why}; rebuild it (or restore the folder from a copy)`);
}

/** xxh64 of a whole file as 16 hex digits. */
export async function checksumFile(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    return await checksumHandle(fh);
  } finally {
    await fh.close();
  }
}

async function checksumHandle(fh: FileHandle, onBytes?: (n: number) => void): Promise<string> {
  const hasher = await createXXHash64();
  hasher.init();
  const buf = Buffer.allocUnsafe(SLICE);
  let position = 0;
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, SLICE, position);
    if (bytesRead === 0) break;
    hasher.update(buf.subarray(0, bytesRead));
    position += bytesRead;
    onBytes?.(bytesRead);
  }
  return hasher.digest('hex');
}

async function readAt(dir: string, file: string, position: number, length: number): Promise<Buffer> {
  const fh = await open(join(dir, file), 'r');
  try {
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await fh.read(buf, done, length - done, position + done);
      if (bytesRead === 0) throw corrupt(dir, file, `ends at byte ${position + done}`);
      done += bytesRead;
    }
    return buf;
  } finally {
    await fh.close();
  }
}

/** Streams a file in slices of whole `unit`-byte items; `visit` gets each slice and the index of its first item. */
async function scanFile(dir: string, file: string, unit: number, visit: (slice: Buffer, first: number) => void): Promise<number> {
  const fh = await open(join(dir, file), 'r');
  try {
    const size = (await fh.stat()).size;
    const step = Math.floor(SLICE / unit) * unit;
    const buf = Buffer.alloc(step);
    for (let pos = 0; pos < size; pos += step) {
      const len = Math.min(step, size - pos);
      let done = 0;
      while (done < len) {
        const { bytesRead } = await fh.read(buf, done, len - done, pos + done);
        if (bytesRead === 0) throw corrupt(dir, file, `ends at byte ${pos + done}`);
        done += bytesRead;
      }
      visit(buf.subarray(0, len), pos / unit);
      await new Promise((r) => setImmediate(r));
    }
    return size;
  } finally {
    await fh.close();
  }
}

const SCALAR_BYTES = { f32: 4, f16: 2, i8: 1 } as const;

/** The vector block and the dense header of a usearch file: counts, dims and the "usearch" magic. */
async function checkUsearchHeader(dir: string, m: IndexManifest, file: string, dims: number): Promise<number> {
  const head = await readAt(dir, file, 0, 8);
  const rows = head.readUInt32LE(0);
  const rowBytes = head.readUInt32LE(4);
  if (rows !== m.numCells) throw corrupt(dir, file, `holds ${rows} vectors, the manifest says ${m.numCells}`);
  if (rowBytes !== dims * SCALAR_BYTES[m.quantization]) throw corrupt(dir, file, `has ${rowBytes}-byte vectors, expected ${dims} ${m.quantization} values`);
  const at = 8 + rows * rowBytes;
  const dense = await readAt(dir, file, at, 41);
  if (dense.toString('latin1', 0, 7) !== 'usearch') throw corrupt(dir, file, `has no usearch header at byte ${at}`);
  const present = Number(dense.readBigUInt64LE(17));
  const deleted = Number(dense.readBigUInt64LE(25));
  const hdrDims = Number(dense.readBigUInt64LE(33));
  if (present !== m.numCells || deleted !== 0 || hdrDims !== dims) throw corrupt(dir, file, `header says ${present} vectors (${deleted} deleted) of ${hdrDims} dims`);
  return 49;
}

/** Offsets start at 0, never decrease and end at the size of cellids.bin. */
async function checkCellIdOffsets(dir: string, m: IndexManifest): Promise<number> {
  let prev = 0;
  const bytes = await scanFile(dir, INDEX_FILES.cellIdOffsets, 8, (slice, first) => {
    for (let i = 0; i < slice.length; i += 8) {
      const off = slice.readDoubleLE(i);
      const row = first + i / 8;
      if (!(Number.isSafeInteger(off) && off >= prev && (row > 0 || off === 0))) throw corrupt(dir, INDEX_FILES.cellIdOffsets, `has a bad offset at entry ${row}`);
      prev = off;
    }
  });
  if (prev !== m.files.cellIds.bytes) throw corrupt(dir, INDEX_FILES.cellIdOffsets, `ends at ${prev}, cellids.bin has ${m.files.cellIds.bytes} bytes`);
  return bytes;
}

/** Bucket starts ascend from 0 to numCells; every entry's row is a reference row. */
async function checkCellIdHash(dir: string, m: IndexManifest): Promise<number> {
  const file = INDEX_FILES.cellIdHash;
  const dirBytes = (BUCKETS + 1) * 4;
  const starts = await readAt(dir, file, 0, dirBytes);
  let prev = 0;
  for (let b = 0; b <= BUCKETS; b++) {
    const s = starts.readUInt32LE(b * 4);
    if (s < prev || (b === 0 && s !== 0)) throw corrupt(dir, file, `has a bad bucket directory at bucket ${b}`);
    prev = s;
  }
  if (prev !== m.numCells) throw corrupt(dir, file, `directory counts ${prev} cells, the manifest says ${m.numCells}`);
  const fh = await open(join(dir, file), 'r');
  try {
    const step = Math.floor(SLICE / 12) * 12;
    const buf = Buffer.alloc(step);
    const total = m.numCells * 12;
    for (let pos = 0; pos < total; pos += step) {
      const len = Math.min(step, total - pos);
      const { bytesRead } = await fh.read(buf, 0, len, dirBytes + pos);
      if (bytesRead !== len) throw corrupt(dir, file, 'is shorter than its directory says');
      for (let i = 8; i < len; i += 12) if (buf.readUInt32LE(i) >= m.numCells) throw corrupt(dir, file, `has a row outside the reference at entry ${(pos + i - 8) / 12}`);
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    await fh.close();
  }
  return dirBytes + m.numCells * 12;
}

/** Every label code lies inside its vocabulary (or is NO_CL_ID for cl ids). */
export function checkLabelCodes(dir: string, m: IndexManifest, levels: readonly Uint16Array[], clIds: Uint16Array): void {
  LEVEL_COLUMNS.forEach((c, l) => {
    const size = m.vocabularies[c].length;
    const col = levels[l]!;
    for (let r = 0; r < col.length; r++) if (col[r]! >= size) throw corrupt(dir, INDEX_FILES.labels, `has ${c} code ${col[r]} at row ${r}, the vocabulary has ${size} labels`);
  });
  const size = m.clIdVocabulary.length;
  for (let r = 0; r < clIds.length; r++) if (clIds[r] !== NO_CL_ID && clIds[r]! >= size) throw corrupt(dir, INDEX_FILES.labels, `has cl_id code ${clIds[r]} at row ${r}`);
}

/**
 * Verifies an index folder whose manifest has been read (and schema-checked): sizes always, then the quick
 * structure checks, then (full) every checksum. Label codes are checked by the caller that loads labels.bin
 * ({@link checkLabelCodes}); `fractal-atlas verify` does both.
 */
export async function verifyIndexFiles(dir: string, m: IndexManifest, mode: VerifyMode): Promise<VerifyResult> {
  const t0 = performance.now();
  await verifyFiles(dir, m);
  let bytesRead = 0;
  if (mode !== 'none') {
    for (const p of [...m.prefixes, ...(m.original ? [m.original] : [])]) bytesRead += await checkUsearchHeader(dir, m, p.file, p.dims);
    bytesRead += await checkCellIdOffsets(dir, m);
    bytesRead += await checkCellIdHash(dir, m);
  }
  if (mode === 'full') {
    for (const f of manifestFiles(m)) {
      const fh = await open(join(dir, f.file), 'r');
      let got: string;
      try {
        got = await checksumHandle(fh, (n) => (bytesRead += n));
      } finally {
        await fh.close();
      }
      if (got !== f.xxh64) throw corrupt(dir, f.file, `has checksum ${got}, the manifest says ${f.xxh64}`);
    }
  }
  return { mode, files: manifestFiles(m).length, bytesRead, seconds: (performance.now() - t0) / 1000 };
}

/** Options of {@link verifyIndex}. */
export interface VerifyIndexOptions {
  readonly mode?: VerifyMode;
}

/** `fractal-atlas verify`: the manifest, then every check of `mode` (default full), label codes included. */
export async function verifyIndex(dir: string, options: VerifyIndexOptions = {}): Promise<VerifyResult & { readonly manifest: IndexManifest }> {
  const t0 = performance.now();
  const mode = checkVerifyMode(options.mode ?? 'full');
  const abs = resolve(dir);
  const manifest = await readManifest(abs);
  const r = await verifyIndexFiles(abs, manifest, mode);
  let bytesRead = r.bytesRead;
  if (mode !== 'none') {
    const labels = await loadLabelTable(join(abs, INDEX_FILES.labels), manifest.numCells);
    checkLabelCodes(abs, manifest, labels.levels, labels.clIds);
    bytesRead += labelBytes(manifest.numCells);
  }
  return { ...r, bytesRead, seconds: (performance.now() - t0) / 1000, manifest };
}

/** Throws invalid_argument unless `mode` is one of {@link VERIFY_MODES}. */
export function checkVerifyMode(mode: unknown): VerifyMode {
  if (!VERIFY_MODES.includes(mode as VerifyMode)) throw new AtlasError('invalid_argument', `verify mode must be one of ${VERIFY_MODES.join(', ')}, got ${JSON.stringify(String(mode).slice(0, 40))}`);
  return mode as VerifyMode;
}
