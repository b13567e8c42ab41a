/**
 * Stratify an atlas: rewrite it in round-robin order by level4_subtype, so that the first N rows are balanced
 * across subtypes (and so across every coarser level), in bounded memory. Extra string columns (e.g. donor_id
 * kept by `import`) travel with their rows.
 *
 * Why buckets on disk rather than a row-group cache: the round-robin order interleaves every class, so
 * each output row group needs rows from nearly every input row group; a bounded cache of decoded input row
 * groups would re-read the whole file once per output row group (quadratic). Instead:
 *   1. scan the level columns only and compute the order (8 bytes per row: class codes, then positions);
 *   2. read the input once, sequentially, and append every row to the temp bucket file of its output
 *      range (one bucket ≈ one output row group; buffers capped at BUFFER_BUDGET bytes in all);
 *   3. load one bucket at a time, place its rows at their positions, write it as the next row group.
 * Total I/O: the input read twice (once levels only) and the data written twice; memory: 8 bytes per row,
 * the bucket buffers, and one bucket of rows.
 */
import { mkdtemp, open, readFile, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { AtlasError, createProgress, LEVEL_COLUMNS, type LevelColumn } from '../common/index.js';
import { MISSING_CL_ID } from './arrow-columns.js';
import { openAtlas, type AtlasReader } from './reader.js';
import { inversePermutation, roundRobinOrder } from './stratify-order.js';
import { sliceColumn } from './import/labels.js';
import { trackTemp, untrackTemp } from './temp-files.js';
import { createSummaryCounter, type AtlasSummary } from './summary.js';
import type { Compression } from './parquet-stream.js';
import type { EncodedColumn } from './types.js';
import { DEFAULT_ROW_GROUP_SIZE, createAtlasWriter, type AtlasWriter } from './writer.js';

/** Options of {@link stratifyAtlas}. */
export interface StratifyOptions {
  readonly input: string;
  readonly out: string;
  /** Seed of the within-class and class-order shuffles (default 0). */
  readonly seed?: number;
  /** Output rows per row group (default: the writer's 65,536). Also the bucket size. */
  readonly rowGroupSize?: number;
  readonly compression?: Compression;
  /** Folder for the temp buckets (default: beside the output, so they land on the same disk). */
  readonly tempDir?: string;
  readonly progress?: boolean;
}

/** What {@link stratifyAtlas} wrote. */
export interface StratifyResult {
  readonly summary: AtlasSummary;
  readonly seconds: number;
}

/** At most this many buckets (temp files); buckets grow beyond the row group size for huge atlases. */
const MAX_BUCKETS = 512;
/** Bytes of bucket write buffers in all. */
const BUFFER_BUDGET = 64 << 20;

/** A string → code dictionary grown as values appear. */
class GlobalDictionary {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  code(v: string): number {
    let c = this.index.get(v);
    if (c === undefined) {
      c = this.values.length;
      this.values.push(v);
      this.index.set(v, c);
    }
    return c;
  }
  /** Batch code → global code for one batch's dictionary. */
  lookup(col: EncodedColumn): Int32Array {
    return Int32Array.from(col.dictionary, (v) => this.code(v));
  }
}

/** Append-only buffered writer of one bucket file. */
class BucketFile {
  private buf: Buffer;
  private used = 0;
  private fh: FileHandle | null = null;
  constructor(
    readonly path: string,
    private readonly flushAt: number,
  ) {
    this.buf = Buffer.allocUnsafe(flushAt);
  }
  /** Write offset for `bytes` more bytes in {@link buffer}, or -1 when the buffer must be flushed first. */
  tryReserve(bytes: number): number {
    if (this.used + bytes > this.buf.length) return -1;
    const at = this.used;
    this.used += bytes;
    return at;
  }
  /** Flushes, then reserves (growing the buffer for a record larger than it). */
  async reserve(bytes: number): Promise<number> {
    await this.flush();
    if (bytes > this.buf.length) this.buf = Buffer.allocUnsafe(bytes);
    return this.tryReserve(bytes);
  }
  get buffer(): Buffer {
    return this.buf;
  }
  async flush(): Promise<void> {
    if (this.used === 0) return;
    this.fh ??= await open(this.path, 'a');
    let done = 0;
    while (done < this.used) done += (await this.fh.write(this.buf, done, this.used - done)).bytesWritten;
    this.used = 0;
  }
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.abort();
    }
  }
  /** Closes the file without flushing (after a failure: no descriptor outlives the stratify run). */
  async abort(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    await fh?.close().catch(() => {});
  }
}

/** Pass 1: level columns only → global dictionaries and each row's subtype code. */
async function scanLevels(reader: AtlasReader, progress: boolean) {
  const levelDicts = Object.fromEntries(LEVEL_COLUMNS.map((c) => [c, new GlobalDictionary()])) as Record<LevelColumn, GlobalDictionary>;
  const subtypeOfRow = new Int32Array(reader.numRows);
  const scan = progress ? createProgress('stratify: scan  ', reader.numRows) : null;
  for (let g = 0; g < reader.numRowGroups; g++) {
    const lv = await reader.readRowGroupLevels(g);
    for (const c of LEVEL_COLUMNS) levelDicts[c].lookup(lv.levels[c]);
    const map = levelDicts.level4_subtype.lookup(lv.levels.level4_subtype);
    const codes = lv.levels.level4_subtype.codes;
    for (let i = 0; i < lv.numRows; i++) subtypeOfRow[lv.rowOffset + i] = map[codes[i]!]!;
    scan?.increment(lv.numRows);
  }
  scan?.stop();
  return { levelDicts, subtypeOfRow };
}

/** Where pass 2 puts rows: `numBuckets` files of `bucketRows` consecutive output positions each. */
interface BucketPlan {
  readonly buckets: readonly BucketFile[];
  readonly bucketRows: number;
}

/**
 * Pass 2: rows → bucket files. Record: int32 position, 4 × int32 level codes, int32 cl code, dim × float32,
 * uint32 cell id byte length, cell id utf8.
 */
async function spreadRows(reader: AtlasReader, positionOf: Int32Array, plan: BucketPlan, levelDicts: Record<LevelColumn, GlobalDictionary>, clDict: GlobalDictionary, extraDicts: readonly GlobalDictionary[], progress: boolean): Promise<void> {
  const { dim, extraColumns } = reader;
  // Record: int32 position, 4 × int32 level codes, int32 cl code, E × int32 extra-column codes, dim × float32,
  // uint32 cell id byte length, cell id utf8.
  const fixedBytes = 4 * (2 + LEVEL_COLUMNS.length + extraColumns.length) + dim * 4 + 4;
  const spread = progress ? createProgress('stratify: spread', reader.numRows) : null;
  for (let g = 0; g < reader.numRowGroups; g++) {
    const batch = await reader.readRowGroup(g);
    const maps = LEVEL_COLUMNS.map((c) => [batch.levels[c].codes, levelDicts[c].lookup(batch.levels[c])] as const);
    const clMap = batch.clIds ? clDict.lookup(batch.clIds) : null;
    const extra = extraColumns.length > 0 ? await reader.readRowGroupExtra(g, extraColumns) : {};
    const extraMaps = extraColumns.map((name, e) => [extra[name]!.codes, extraDicts[e]!.lookup(extra[name]!)] as const);
    const embBytes = new Uint8Array(batch.embeddings.buffer, batch.embeddings.byteOffset, batch.embeddings.byteLength);
    for (let i = 0; i < batch.numRows; i++) {
      const pos = positionOf[batch.rowOffset + i]!;
      const id = batch.cellIds[i]!;
      const idBytes = Buffer.byteLength(id, 'utf8');
      const bucket = plan.buckets[Math.floor(pos / plan.bucketRows)]!;
      let at = bucket.tryReserve(fixedBytes + idBytes);
      if (at < 0) at = await bucket.reserve(fixedBytes + idBytes);
      const buf = bucket.buffer;
      let o = buf.writeInt32LE(pos, at);
      for (const [codes, map] of maps) o = buf.writeInt32LE(map[codes[i]!]!, o);
      o = buf.writeInt32LE(clMap ? clMap[batch.clIds!.codes[i]!]! : -1, o);
      for (const [codes, map] of extraMaps) o = buf.writeInt32LE(map[codes[i]!]!, o);
      buf.set(embBytes.subarray(i * dim * 4, (i + 1) * dim * 4), o);
      o += dim * 4;
      o = buf.writeUInt32LE(idBytes, o);
      buf.write(id, o, idBytes, 'utf8');
    }
    spread?.increment(batch.numRows);
  }
  for (const b of plan.buckets) await b.close();
  spread?.stop();
}

/** Pass 3 for one bucket: its records placed at their positions (`first` .. `first + rows`). */
function decodeBucket(data: Buffer, b: number, first: number, rows: number, dim: number, numExtra: number) {
  const embeddings = new Float32Array(rows * dim);
  const embOut = new Uint8Array(embeddings.buffer);
  const levelCodes = LEVEL_COLUMNS.map(() => new Int32Array(rows));
  const clCodes = new Int32Array(rows);
  const extraCodes = Array.from({ length: numExtra }, () => new Int32Array(rows));
  const cellIds = new Array<string>(rows);
  let seen = 0;
  for (let o = 0; o < data.length; ) {
    const local = data.readInt32LE(o) - first;
    o += 4;
    if (!(local >= 0 && local < rows) || cellIds[local] !== undefined) throw new AtlasError('internal', `stratify: bucket ${b} holds a misplaced row`);
    for (const codes of levelCodes) {
      codes[local] = data.readInt32LE(o);
      o += 4;
    }
    clCodes[local] = data.readInt32LE(o);
    o += 4;
    for (const codes of extraCodes) {
      codes[local] = data.readInt32LE(o);
      o += 4;
    }
    embOut.set(data.subarray(o, o + dim * 4), local * dim * 4);
    o += dim * 4;
    const idBytes = data.readUInt32LE(o);
    o += 4;
    cellIds[local] = data.toString('utf8', o, o + idBytes);
    o += idBytes;
    seen++;
  }
  if (seen !== rows) throw new AtlasError('internal', `stratify: bucket ${b} has ${seen} rows, expected ${rows}`);
  return { embeddings, levelCodes, clCodes, extraCodes, cellIds };
}

/** Rewrites `input` to `out` in round-robin order by level4_subtype (see the module comment). */
export async function stratifyAtlas(options: StratifyOptions): Promise<StratifyResult> {
  const started = performance.now();
  const seed = options.seed ?? 0;
  if (resolve(options.input) === resolve(options.out)) throw new AtlasError('invalid_argument', 'stratify: --in and --out must be different files');
  const reader = await openAtlas(options.input);
  const { numRows: n, dim } = reader;
  const rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  const { levelDicts, subtypeOfRow } = await scanLevels(reader, !!options.progress);
  const order = roundRobinOrder(subtypeOfRow, levelDicts.level4_subtype.values.length, seed);
  const positionOf = inversePermutation(order, subtypeOfRow); // reuses the class codes' memory

  const bucketRows = Math.max(rowGroupSize, Math.ceil(n / MAX_BUCKETS));
  const numBuckets = Math.max(1, Math.ceil(n / bucketRows));
  const tempRoot = options.tempDir ?? dirname(resolve(options.out));
  const tempDir = await mkdtemp(join(tempRoot, `.${basename(options.out)}.stratify-`));
  trackTemp(tempDir);
  let writer: AtlasWriter | null = null;
  let buckets: BucketFile[] = [];
  try {
    const flushAt = Math.max(64 << 10, Math.min(4 << 20, Math.floor(BUFFER_BUDGET / numBuckets)));
    buckets = Array.from({ length: numBuckets }, (_, b) => new BucketFile(join(tempDir, `bucket-${b}.bin`), flushAt));
    const clDict = new GlobalDictionary();
    const extraDicts = reader.extraColumns.map(() => new GlobalDictionary());
    await spreadRows(reader, positionOf, { buckets, bucketRows }, levelDicts, clDict, extraDicts, !!options.progress);

    // Pass 3: bucket by bucket, rows placed at their positions, written in order.
    writer = await createAtlasWriter(options.out, { dim, rowGroupSize, compression: options.compression, extraColumns: reader.extraColumns });
    const counter = createSummaryCounter();
    const emit = options.progress ? createProgress('stratify: write ', n) : null;
    for (let b = 0; b < numBuckets; b++) {
      const first = b * bucketRows;
      const rows = Math.min(bucketRows, n - first);
      const data = await readFile(buckets[b]!.path).catch(() => Buffer.alloc(0));
      await rm(buckets[b]!.path, { force: true });
      const { embeddings, levelCodes, clCodes, extraCodes, cellIds } = decodeBucket(data, b, first, rows, dim, reader.extraColumns.length);
      const levels = {} as Record<LevelColumn, EncodedColumn>;
      LEVEL_COLUMNS.forEach((c, l) => (levels[c] = { codes: levelCodes[l]!, dictionary: levelDicts[c].values }));
      const clIds = reader.hasClIds ? { codes: clCodes, dictionary: clDict.values.length > 0 ? clDict.values : [MISSING_CL_ID] } : null;
      // extra columns may be high-cardinality (barcodes): each row group gets only the values it uses
      const extra = Object.fromEntries(reader.extraColumns.map((name, e) => [name, sliceColumn({ codes: extraCodes[e]!, dictionary: extraDicts[e]!.values }, 0, rows)]));
      await writer.write({ numRows: rows, dim, embeddings, levels, cellIds, clIds, extra });
      counter.add(levels);
      emit?.increment(rows);
    }
    await writer.close();
    emit?.stop();
    return { summary: counter.result(), seconds: (performance.now() - started) / 1000 };
  } catch (err) {
    await writer?.abort();
    await Promise.all(buckets.map((b) => b.abort()));
    throw err;
  } finally {
    await rm(tempDir, { recursive: true, force: true });
    untrackTemp(tempDir);
  }
}
