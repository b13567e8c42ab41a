/**
 * The NumPy .npy format (v1.0), written and read here so the Python trainer needs only numpy: a magic string, a
 * little-endian header length, a Python-dict header padded to 64 bytes, then raw C-order data.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { AtlasError } from '../common/index.js';

export type NpyArray = Float32Array | Int32Array;
const DESCR = { float32: '<f4', int32: '<i4' } as const;
type NpyDtype = keyof typeof DESCR;

if (endianness() !== 'LE') throw new Error('fractal-atlas writes .npy files as little-endian and needs a little-endian CPU');

/** The header block for dtype and shape, padded to `minLength` (the header of a file written before its shape was known). */
export function npyHeader(dtype: NpyDtype, shape: readonly number[], minLength = 0): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = Math.max(minLength, Math.ceil((10 + dict.length + 1) / 64) * 64);
  const headerLen = total - 10;
  if (10 + dict.length + 1 > total || headerLen > 0xffff) throw new Error(`npy header for shape ${shapeText} does not fit in ${total} bytes`);
  const out = new Uint8Array(total);
  out.set([0x93, ...Buffer.from('NUMPY'), 1, 0, headerLen & 0xff, headerLen >> 8]);
  out.set(Buffer.from(dict.padEnd(headerLen - 1, ' ') + '\n', 'latin1'), 10);
  return out;
}

/** Space reserved for a streamed file's header: room for any 2-d shape below 2^53 rows. */
const STREAM_HEADER = 128;

/** Writes a 2-d .npy file row batch by row batch; the row count goes into the header at {@link close}. */
export class NpyWriter {
  private rows = 0;
  private pos = STREAM_HEADER;
  private constructor(private readonly fh: FileHandle, private readonly dtype: NpyDtype, private readonly cols: number) {}

  static async create(path: string, dtype: NpyDtype, cols: number): Promise<NpyWriter> {
    const fh = await open(path, 'w');
    await fh.write(new Uint8Array(STREAM_HEADER), 0, STREAM_HEADER, 0);
    return new NpyWriter(fh, dtype, cols);
  }

  async append(data: NpyArray): Promise<void> {
    if (data.length % this.cols !== 0) throw new Error(`npy append: ${data.length} values is not whole rows of ${this.cols}`);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    await this.fh.write(bytes, 0, bytes.length, this.pos);
    this.pos += bytes.length;
    this.rows += data.length / this.cols;
  }

  /** Writes the final header and closes the file; returns the row count. */
  async close(): Promise<number> {
    const header = npyHeader(this.dtype, [this.rows, this.cols], STREAM_HEADER);
    try {
      await this.fh.write(header, 0, header.length, 0);
    } finally {
      // Closed even when the write failed (a full disk): no descriptor outlives the writer.
      await this.fh.close();
    }
    return this.rows;
  }

  /** Closes without finishing (on error). */
  async abort(): Promise<void> {
    await this.fh.close().catch(() => {});
  }
}

/** Writes a whole array as one .npy file. */
export async function writeNpy(path: string, data: NpyArray, shape: readonly number[]): Promise<void> {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`npy: ${data.length} values do not fill shape (${shape.join(', ')})`);
  const dtype: NpyDtype = data instanceof Float32Array ? 'float32' : 'int32';
  const fh = await open(path, 'w');
  try {
    await fh.write(npyHeader(dtype, shape));
    await fh.write(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  } finally {
    await fh.close();
  }
}

/** Reads a little-endian float32 or int32 C-order .npy file (v1–v3 headers). */
export async function readNpy(path: string): Promise<{ data: NpyArray; shape: number[] }> {
  const buf = await readFile(path);
  const bad = (why: string) => new AtlasError('invalid_argument', `${path}: not a supported .npy file (${why})`);
  if (buf.length < 10 || buf[0] !== 0x93 || buf.toString('latin1', 1, 6) !== 'NUMPY') throw bad('no magic');
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (/'fortran_order':\s*True/.test(header)) throw bad('Fortran order');
  if (shapeText === undefined) throw bad('no shape');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const off = start + headerLen;
  const body = buf.buffer.slice(buf.byteOffset + off, buf.byteOffset + off + count * 4);
  if (body.byteLength !== count * 4) throw bad('truncated data');
  if (descr === '<f4') return { data: new Float32Array(body), shape };
  if (descr === '<i4') return { data: new Int32Array(body), shape };
  throw bad(`dtype ${descr}`);
}
