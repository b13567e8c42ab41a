/** Positional reads of rows of a row-major f32 vectors file (vectors.f32, original.f32). Synchronous. */
import { closeSync, openSync } from 'node:fs';
import { readFully } from '../common/index.js';

export class VectorFile {
  private readonly fd: number;
  private readonly rowBytes: number;

  constructor(path: string, readonly rowDim: number, readonly numRows: number) {
    this.fd = openSync(path, 'r');
    this.rowBytes = rowDim * 4;
  }

  /**
   * Rows `rows[i]` (ascending or not) as one n × rowDim array. Dense ascending runs are read as one range,
   * scattered rows one by one.
   */
  readRows(rows: ArrayLike<number>): Float32Array {
    const n = rows.length;
    const out = new Float32Array(n * this.rowDim);
    const bytes = new Uint8Array(out.buffer);
    let i = 0;
    while (i < n) {
      // Extend a run while rows ascend and the gaps stay small (reading a gap is cheaper than a syscall).
      let j = i + 1;
      while (j < n && rows[j]! > rows[j - 1]! && rows[j]! - rows[j - 1]! <= 4) j++;
      const first = rows[i]!;
      const last = rows[j - 1]!;
      if (first < 0 || last >= this.numRows) throw new RangeError(`row ${first < 0 ? first : last} outside 0..${this.numRows - 1}`);
      if (j - i === 1) {
        readFully(this.fd, bytes.subarray(i * this.rowBytes, (i + 1) * this.rowBytes), first * this.rowBytes);
      } else {
        const span = new Uint8Array((last - first + 1) * this.rowBytes);
        readFully(this.fd, span, first * this.rowBytes);
        for (let t = i; t < j; t++) {
          const src = (rows[t]! - first) * this.rowBytes;
          bytes.set(span.subarray(src, src + this.rowBytes), t * this.rowBytes);
        }
      }
      i = j;
    }
    return out;
  }

  /** Rows start … start + n − 1 as one n × rowDim array, in one read. */
  readRange(start: number, n: number): Float32Array {
    if (start < 0 || n < 0 || start + n > this.numRows) throw new RangeError(`rows ${start}..${start + n - 1} outside 0..${this.numRows - 1}`);
    const out = new Float32Array(n * this.rowDim);
    readFully(this.fd, new Uint8Array(out.buffer), start * this.rowBytes);
    return out;
  }

  close(): void {
    closeSync(this.fd);
  }
}
