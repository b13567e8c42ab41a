/**
 * Cell ids on disk, looked up without 7.9M JS strings in memory:
 *  - `cellids.bin`: the UTF-8 ids concatenated; `cellid-offsets.bin`: Float64 byte offsets (numCells + 1);
 *  - `cellid-hash.bin`: a bucketed hash table: 65,537 Uint32 bucket starts (top 16 bits of the hash), then
 *    one (hashHigh, hashLow, row) Uint32 triple per cell sorted by hash. A lookup reads one bucket (about
 *    numCells / 65,536 entries) and confirms the candidate by reading its id.
 * Readers keep only the 256 KiB bucket directory in memory; everything else is a positional read.
 */
import { closeSync, openSync } from 'node:fs';
import { AtlasError, quoteInput, readFully, writeFully } from '../common/index.js';

const BUCKETS = 65536;
const ENTRY_BYTES = 12;
const DIRECTORY_BYTES = (BUCKETS + 1) * 4;
/** Longest cell id a reader accepts (a longer span means damaged offsets). */
const MAX_ID_BYTES = 1 << 16;

/** cyrb53: a fast 53-bit string hash (exact in a double). */
export function hashCellId(id: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < id.length; i++) {
    const ch = id.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

function bucketOf(hash: number): number {
  return Math.floor(hash / 4294967296) >>> 5;
}

/** Writes the three cell-id files while rows stream in; `finish` sorts and writes the hash table. */
export class CellIdWriter {
  private readonly idsFd: number;
  private readonly offsetsFd: number;
  private readonly hashes: Float64Array;
  private bytes = 0;
  private rows = 0;
  private closed = false;

  constructor(private readonly paths: { ids: string; offsets: string; hash: string }, private readonly numCells: number) {
    this.idsFd = openSync(paths.ids, 'wx');
    this.offsetsFd = openSync(paths.offsets, 'wx');
    this.hashes = new Float64Array(numCells);
    writeFully(this.offsetsFd, new Float64Array([0]));
  }

  /** Appends the ids of the next rows. */
  append(ids: readonly string[]): void {
    if (this.rows + ids.length > this.numCells) throw new Error(`cell id writer: more than ${this.numCells} rows`);
    const offsets = new Float64Array(ids.length);
    const parts: Buffer[] = [];
    for (let i = 0; i < ids.length; i++) {
      const buf = Buffer.from(ids[i]!, 'utf8');
      parts.push(buf);
      this.bytes += buf.length;
      offsets[i] = this.bytes;
      this.hashes[this.rows + i] = hashCellId(ids[i]!);
    }
    writeFully(this.idsFd, Buffer.concat(parts));
    writeFully(this.offsetsFd, offsets);
    this.rows += ids.length;
  }

  private refuseDuplicates(pairs: readonly [number, number][]): void {
    const dups = duplicateIds(this.paths, pairs);
    if (dups.length === 0) return;
    const first = dups[0]!;
    throw new AtlasError(
      'invalid_atlas',
      `cell id ${quoteInput(first.id)} appears at rows ${first.rows[0]} and ${first.rows[1]} (${dups.length} row${dups.length > 1 ? 's repeat' : ' repeats'} an earlier id); cell ids must be unique, or a cell-id query resolves to an arbitrary row: make them unique in the atlas`,
    );
  }

  /** Closes the files being written (idempotent): after a failed build too, so no descriptor is left open. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.idsFd);
    closeSync(this.offsetsFd);
  }

  /** Writes the hash table and closes every file. */
  finish(): void {
    this.close();
    if (this.rows !== this.numCells) throw new Error(`cell id writer: got ${this.rows} rows, expected ${this.numCells}`);
    const starts = new Uint32Array(BUCKETS + 1);
    for (let r = 0; r < this.rows; r++) starts[bucketOf(this.hashes[r]!) + 1]!++;
    for (let b = 0; b < BUCKETS; b++) starts[b + 1]! += starts[b]!;
    const fill = starts.slice(0, BUCKETS);
    const order = new Uint32Array(this.rows);
    for (let r = 0; r < this.rows; r++) order[fill[bucketOf(this.hashes[r]!)]!++] = r;
    const entries = new Uint32Array(this.rows * 3);
    const sameHash: [number, number][] = [];
    for (let b = 0; b < BUCKETS; b++) {
      const slice = Array.from(order.subarray(starts[b]!, starts[b + 1]!));
      slice.sort((x, y) => this.hashes[x]! - this.hashes[y]! || x - y);
      for (let i = 1; i < slice.length; i++) if (this.hashes[slice[i]!] === this.hashes[slice[i - 1]!]) sameHash.push([slice[i - 1]!, slice[i]!]);
      for (let i = 0; i < slice.length; i++) {
        const r = slice[i]!;
        const h = this.hashes[r]!;
        const e = (starts[b]! + i) * 3;
        entries[e] = Math.floor(h / 4294967296);
        entries[e + 1] = h >>> 0;
        entries[e + 2] = r;
      }
    }
    if (sameHash.length > 0) this.refuseDuplicates(sameHash);
    const fd = openSync(this.paths.hash, 'wx');
    try {
      writeFully(fd, starts);
      writeFully(fd, entries);
    } finally {
      closeSync(fd);
    }
  }
}

/** Rows whose ids share a 53-bit hash are almost surely equal ids: confirm by reading them, then refuse. */
function duplicateIds(paths: { ids: string; offsets: string; hash: string }, pairs: readonly [number, number][]): { id: string; rows: [number, number] }[] {
  const idsFd = openSync(paths.ids, 'r');
  const offsetsFd = openSync(paths.offsets, 'r');
  try {
    const idOf = (row: number) => {
      const off = new Float64Array(2);
      readFully(offsetsFd, new Uint8Array(off.buffer), row * 8);
      const buf = Buffer.alloc(off[1]! - off[0]!);
      readFully(idsFd, buf, off[0]!);
      return buf.toString('utf8');
    };
    return pairs.map(([a, b]) => ({ id: idOf(a), rows: [a, b] as [number, number] })).filter((d, i) => d.id === idOf(pairs[i]![1]));
  } finally {
    closeSync(idsFd);
    closeSync(offsetsFd);
  }
}

/** Expected sizes of the cell-id files for a given count (manifest checks). */
export function cellIdHashBytes(numCells: number): number {
  return DIRECTORY_BYTES + numCells * ENTRY_BYTES;
}

/** Positional reader of the cell-id files. Synchronous: use it off the main thread. */
export class CellIdReader {
  private readonly idsFd: number;
  private readonly offsetsFd: number;
  private readonly hashFd: number;
  private readonly starts: Uint32Array;

  constructor(paths: { ids: string; offsets: string; hash: string }, readonly numCells: number) {
    this.idsFd = openSync(paths.ids, 'r');
    this.offsetsFd = openSync(paths.offsets, 'r');
    this.hashFd = openSync(paths.hash, 'r');
    this.starts = new Uint32Array(BUCKETS + 1);
    readFully(this.hashFd, new Uint8Array(this.starts.buffer), 0);
    for (let b = 0; b < BUCKETS; b++) {
      if (this.starts[b]! > this.starts[b + 1]! || this.starts[b + 1]! > numCells) throw new AtlasError('index_corrupt', `cellid-hash.bin has a bad bucket directory at bucket ${b}; rebuild the index`);
    }
  }

  /** The id of reference row `row`. */
  cellId(row: number): string {
    const off = new Float64Array(2);
    readFully(this.offsetsFd, new Uint8Array(off.buffer), row * 8);
    const len = off[1]! - off[0]!;
    if (!Number.isSafeInteger(off[0]) || !Number.isSafeInteger(len) || len < 0 || len > MAX_ID_BYTES) {
      throw new AtlasError('index_corrupt', `cellid-offsets.bin has a bad entry at row ${row}: the index changed since start; restart or rebuild`);
    }
    const buf = Buffer.alloc(len);
    readFully(this.idsFd, buf, off[0]!);
    return buf.toString('utf8');
  }

  /** Row of a cell id, or -1 when the reference has no such cell. */
  rowOf(id: string): number {
    const h = hashCellId(id);
    const b = bucketOf(h);
    const start = this.starts[b]!;
    const end = this.starts[b + 1]!;
    if (end <= start) return -1;
    const entries = new Uint32Array((end - start) * 3);
    readFully(this.hashFd, new Uint8Array(entries.buffer), DIRECTORY_BYTES + start * ENTRY_BYTES);
    const hi = Math.floor(h / 4294967296);
    const lo = h >>> 0;
    for (let i = 0; i < end - start; i++) {
      if (entries[i * 3] === hi && entries[i * 3 + 1] === lo) {
        const row = entries[i * 3 + 2]!;
        if (row >= this.numCells) throw new AtlasError('index_corrupt', `cellid-hash.bin points to row ${row} of ${this.numCells}: the index changed since start; restart or rebuild`);
        if (this.cellId(row) === id) return row;
      }
    }
    return -1;
  }

  close(): void {
    closeSync(this.idsFd);
    closeSync(this.offsetsFd);
    closeSync(this.hashFd);
  }
}
