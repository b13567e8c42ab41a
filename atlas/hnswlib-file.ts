/**
 * Streams vectors out of an hnswlib index file (`HierarchicalNSW::saveIndex`, hnswlib 0.7/0.8) through a
 * file handle, in chunks, without loading the index. The file is a 96-byte header:
 *
 *   size_t offsetLevel0, max_elements, cur_element_count, size_data_per_element, label_offset, offsetData;
 *   int maxlevel; uint32 enterpoint_node; size_t maxM, maxM0, M; double mult; size_t ef_construction;
 *
 * then `cur_element_count` level-0 records of `size_data_per_element` bytes each — [uint32 link-list header
 * (uint16 count, byte 2 bit 0 = deleted), maxM0 × uint32 links][dim × float32 vector][uint64 label] — then
 * the upper-level link lists, which are not needed here. The dimension is not stored: it is
 * (label_offset − offsetData) / 4. Little-endian, as hnswlib writes its memory as is.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { AtlasError, readFullyAsync } from '../common/index.js';

export const HNSW_HEADER_BYTES = 96;

/** The header of an hnswlib index file. */
export interface HnswHeader {
  readonly offsetLevel0: number;
  readonly maxElements: number;
  readonly elementCount: number;
  readonly sizeDataPerElement: number;
  readonly labelOffset: number;
  readonly offsetData: number;
  readonly maxLevel: number;
  readonly entryPoint: number;
  readonly maxM: number;
  readonly maxM0: number;
  readonly M: number;
  readonly mult: number;
  readonly efConstruction: number;
  /** Vector dimension, derived from the record layout. */
  readonly dim: number;
}

function sizeT(buf: Buffer, at: number, name: string, path: string): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new AtlasError('invalid_hnswlib', `${path}: header field ${name} = ${v} is not plausible`);
  return Number(v);
}

/**
 * Parses and checks the header against the file size. Throws `invalid_hnswlib` when the layout is
 * inconsistent or the file is shorter than the level-0 records it announces (truncated).
 */
export function parseHnswHeader(buf: Buffer, fileSize: number, path: string): HnswHeader {
  if (buf.length < HNSW_HEADER_BYTES || fileSize < HNSW_HEADER_BYTES) {
    throw new AtlasError('invalid_hnswlib', `${path} is not an hnswlib index: ${fileSize} bytes is shorter than the ${HNSW_HEADER_BYTES}-byte header`);
  }
  const h = {
    offsetLevel0: sizeT(buf, 0, 'offsetLevel0', path),
    maxElements: sizeT(buf, 8, 'max_elements', path),
    elementCount: sizeT(buf, 16, 'cur_element_count', path),
    sizeDataPerElement: sizeT(buf, 24, 'size_data_per_element', path),
    labelOffset: sizeT(buf, 32, 'label_offset', path),
    offsetData: sizeT(buf, 40, 'offsetData', path),
    maxLevel: buf.readInt32LE(48),
    entryPoint: buf.readUInt32LE(52),
    maxM: sizeT(buf, 56, 'maxM', path),
    maxM0: sizeT(buf, 64, 'maxM0', path),
    M: sizeT(buf, 72, 'M', path),
    mult: buf.readDoubleLE(80),
    efConstruction: sizeT(buf, 88, 'ef_construction', path),
  };
  const problems: string[] = [];
  if (h.offsetLevel0 !== 0) problems.push(`offsetLevel0 is ${h.offsetLevel0}, expected 0`);
  if (h.offsetData !== h.maxM0 * 4 + 4) problems.push(`offsetData ${h.offsetData} does not match maxM0 ${h.maxM0}`);
  const dataBytes = h.labelOffset - h.offsetData;
  if (dataBytes <= 0 || dataBytes % 4 !== 0) problems.push(`vector bytes ${dataBytes} is not a positive multiple of 4`);
  if (h.sizeDataPerElement !== h.labelOffset + 8) problems.push(`size_data_per_element ${h.sizeDataPerElement} ≠ label_offset + 8`);
  if (h.elementCount > h.maxElements) problems.push(`cur_element_count ${h.elementCount} > max_elements ${h.maxElements}`);
  if (h.maxLevel < 0 || h.maxLevel > 64) problems.push(`maxlevel ${h.maxLevel} is not plausible`);
  if (!(h.M > 0 && h.maxM === h.M && h.maxM0 >= h.M)) problems.push(`M ${h.M}, maxM ${h.maxM}, maxM0 ${h.maxM0} are inconsistent`);
  if (problems.length > 0) throw new AtlasError('invalid_hnswlib', `${path} is not a valid hnswlib index: ${problems.join('; ')}`);
  // Every element also has at least a 4-byte upper-level link-list size after the level-0 block.
  const minSize = HNSW_HEADER_BYTES + h.elementCount * (h.sizeDataPerElement + 4);
  if (fileSize < minSize) {
    throw new AtlasError('invalid_hnswlib', `${path} is truncated: ${fileSize} bytes, the header announces at least ${minSize} (${h.elementCount} elements)`);
  }
  return { ...h, dim: dataBytes / 4 };
}

/** An hnswlib index file open for streaming. Call {@link HnswlibFile.close} when done. */
export interface HnswlibFile {
  readonly path: string;
  readonly header: HnswHeader;
  /**
   * Reads every element's external label (one sequential pass) and returns the internal id of each label
   * 0..numLabels−1. Throws `invalid_hnswlib` on a label outside that range, a duplicate, or a missing label.
   * Deleted elements are skipped.
   */
  mapLabels(numLabels: number, onProgress?: (elements: number) => void): Promise<Int32Array>;
  /**
   * Reads the vectors of the given internal ids into `out` (row i ← ids[i]), reading nearby ids together so
   * that an index whose internal order follows its labels is read sequentially.
   */
  readVectors(ids: Int32Array, out: Float32Array): Promise<void>;
  close(): Promise<void>;
}

/** Bytes read per sequential chunk and the largest span one coalesced read may cover. */
const CHUNK_BYTES = 8 << 20;
/** Ids at most this far apart are read in one go rather than with a new read call. */
const GAP_ELEMENTS = 32;

async function readFully(fh: FileHandle, buf: Buffer, length: number, position: number, path: string): Promise<void> {
  const done = await readFullyAsync(fh, buf, position, length, length);
  if (done < length) throw new AtlasError('invalid_hnswlib', `${path} is truncated: unexpected end of file at byte ${position + done}`);
}

/** An open file, its header and the one chunk buffer its reads share. */
interface HnswReadContext {
  readonly fh: FileHandle;
  readonly path: string;
  readonly header: HnswHeader;
  readonly stride: number;
  readonly elementsPerChunk: number;
  readonly buf: Buffer;
}

/** Byte offset of internal id `id`'s level-0 record. */
function offsetOf(ctx: HnswReadContext, id: number): number {
  return HNSW_HEADER_BYTES + id * ctx.stride;
}

/** Opens an hnswlib index file and checks its header (`file_not_found`, `invalid_hnswlib`). */
export async function openHnswlibFile(path: string): Promise<HnswlibFile> {
  const { fh, header } = await openWithHeader(path);
  const stride = header.sizeDataPerElement;
  const elementsPerChunk = Math.max(1, Math.floor(CHUNK_BYTES / stride));
  const ctx: HnswReadContext = { fh, path, header, stride, elementsPerChunk, buf: Buffer.alloc(elementsPerChunk * stride) };
  return {
    path,
    header,
    mapLabels: (numLabels, onProgress) => mapLabels(ctx, numLabels, onProgress),
    readVectors: (ids, out) => readVectors(ctx, ids, out),
    close: () => fh.close(),
  };
}

/** Opens the file and parses its header; the handle is closed again when the header is not valid. */
async function openWithHeader(path: string): Promise<{ fh: FileHandle; header: HnswHeader }> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch {
    throw new AtlasError('file_not_found', `hnswlib index not found: ${path}`);
  }
  try {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(HNSW_HEADER_BYTES);
    if (size >= HNSW_HEADER_BYTES) await readFully(fh, head, HNSW_HEADER_BYTES, 0, path);
    return { fh, header: parseHnswHeader(head, size, path) };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** {@link HnswlibFile.mapLabels}: one sequential pass over the level-0 records. */
async function mapLabels(ctx: HnswReadContext, numLabels: number, onProgress?: (elements: number) => void): Promise<Int32Array> {
  const { fh, path, header, stride, elementsPerChunk, buf } = ctx;
  const internalOf = new Int32Array(numLabels).fill(-1);
  let live = 0;
  for (let first = 0; first < header.elementCount; first += elementsPerChunk) {
    const count = Math.min(elementsPerChunk, header.elementCount - first);
    await readFully(fh, buf, count * stride, offsetOf(ctx, first), path);
    for (let j = 0; j < count; j++) {
      const base = j * stride;
      if ((buf[base + 2]! & 1) !== 0) continue; // deleted element
      const lo = buf.readUInt32LE(base + header.labelOffset);
      const hi = buf.readUInt32LE(base + header.labelOffset + 4);
      const label = hi * 2 ** 32 + lo;
      if (label >= numLabels) {
        throw new AtlasError('invalid_hnswlib', `${path}: element ${first + j} has label ${label}, but there are only ${numLabels} reference labels`);
      }
      if (internalOf[label] !== -1) throw new AtlasError('invalid_hnswlib', `${path}: label ${label} appears twice (elements ${internalOf[label]} and ${first + j})`);
      internalOf[label] = first + j;
      live++;
    }
    onProgress?.(count);
  }
  if (live !== numLabels) {
    const missing = internalOf.indexOf(-1);
    throw new AtlasError('invalid_hnswlib', `${path} holds ${live} vectors for ${numLabels} reference labels (label ${missing} has no vector)`);
  }
  return internalOf;
}

/** (id, row) pairs packed into one float64 key each (both < 2^26), sorted: ids in file order. */
function sortedIdRowKeys(ids: Int32Array, elementCount: number): Float64Array {
  const n = ids.length;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const id = ids[i]!;
    if (!(id >= 0 && id < elementCount)) throw new AtlasError('internal', `readVectors: id ${id} out of range`);
    keys[i] = id * 2 ** 26 + i;
  }
  if (n >= 2 ** 26) throw new AtlasError('internal', 'readVectors: too many ids in one call');
  return keys.sort();
}

/** {@link HnswlibFile.readVectors}: ids in file order, nearby ids coalesced into one read. */
async function readVectors(ctx: HnswReadContext, ids: Int32Array, out: Float32Array): Promise<void> {
  const { fh, path, header, stride, elementsPerChunk, buf } = ctx;
  const n = ids.length;
  const vecBytes = header.dim * 4;
  if (out.length !== n * header.dim) throw new AtlasError('internal', `readVectors: output holds ${out.length} values for ${n} × ${header.dim}`);
  const keys = sortedIdRowKeys(ids, header.elementCount);
  const outBytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  let k = 0;
  while (k < n) {
    const firstId = Math.floor(keys[k]! / 2 ** 26);
    let end = k + 1;
    let lastId = firstId;
    while (end < n) {
      const id = Math.floor(keys[end]! / 2 ** 26);
      if (id - lastId > GAP_ELEMENTS || id - firstId + 1 > elementsPerChunk) break;
      lastId = id;
      end++;
    }
    await readFully(fh, buf, (lastId - firstId + 1) * stride, offsetOf(ctx, firstId), path);
    for (let j = k; j < end; j++) {
      const key = keys[j]!;
      const id = Math.floor(key / 2 ** 26);
      const row = key - id * 2 ** 26;
      const src = (id - firstId) * stride + header.offsetData;
      outBytes.set(buf.subarray(src, src + vecBytes), row * vecBytes);
    }
    k = end;
  }
}
