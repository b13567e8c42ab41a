/**
 * A NumPy `.npy` matrix (n × D, float32 or float64, C order) as an import matrix, read in row blocks straight
 * from the file (never loaded whole). Versions 1.0–3.0 of the format.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { AtlasError } from '../../common/index.js';
import type { MatrixSource } from './types.js';

/** The parsed header of an .npy file. */
export interface NpyHeader {
  readonly dtype: 'float32' | 'float64';
  readonly shape: readonly number[];
  /** Byte offset of the first value. */
  readonly dataOffset: number;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

/** Parses the header at the start of an .npy file (pure: takes its first bytes). */
export function parseNpyHeader(head: Buffer, path: string): NpyHeader {
  if (head.length < 10 || !head.subarray(0, 6).equals(MAGIC)) throw new AtlasError('invalid_input', `${path} is not a NumPy .npy file (no \\x93NUMPY magic)`);
  const major = head[6]!;
  const lenBytes = major === 1 ? 2 : 4;
  const headerLen = lenBytes === 2 ? head.readUInt16LE(8) : head.readUInt32LE(8);
  const dataOffset = 8 + lenBytes + headerLen;
  if (head.length < dataOffset) throw new AtlasError('invalid_input', `${path}: .npy header is truncated`);
  const dict = head.subarray(8 + lenBytes, dataOffset).toString(major >= 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(dict)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(dict)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(dict)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new AtlasError('invalid_input', `${path}: unreadable .npy header ${JSON.stringify(dict.trim())}`);
  const dtype = descr === '<f4' || descr === '=f4' ? 'float32' : descr === '<f8' || descr === '=f8' ? 'float64' : null;
  if (dtype === null) throw new AtlasError('invalid_input', `${path} has dtype ${descr}; an embedding must be little-endian float32 (<f4) or float64 (<f8)`);
  if (fortran === 'True') throw new AtlasError('invalid_input', `${path} is in Fortran order; save it with np.save(path, np.ascontiguousarray(x))`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.length !== 2 || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new AtlasError('invalid_input', `${path} has shape (${shapeText}); an embedding must be 2-d (cells × dims)`);
  }
  return { dtype, shape, dataOffset };
}

async function readExactly(fh: FileHandle, buf: Buffer, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, position + done);
    if (bytesRead === 0) throw new AtlasError('invalid_input', `${path} ends early: the header promises more rows than the file holds`);
    done += bytesRead;
  }
}

/** Opens an .npy matrix; call `close` when done. */
export async function openNpyMatrix(path: string): Promise<MatrixSource & { close(): Promise<void> }> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch {
    throw new AtlasError('file_not_found', `input file not found: ${path}`);
  }
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const header = parseNpyHeader(head.subarray(0, bytesRead), path);
    const [rows, dim] = header.shape as [number, number];
    if (dim < 1) throw new AtlasError('invalid_input', `${path} has no columns`);
    const itemSize = header.dtype === 'float32' ? 4 : 8;
    const rowBytes = dim * itemSize;
    return {
      name: path,
      numRows: rows,
      dim,
      async *blocks(blockRows) {
        for (let start = 0; start < rows; start += blockRows) {
          const n = Math.min(blockRows, rows - start);
          const buf = Buffer.alloc(n * rowBytes);
          await readExactly(fh, buf, header.dataOffset + start * rowBytes, path);
          const values = itemSize === 4 ? new Float32Array(buf.buffer, buf.byteOffset, n * dim) : Float32Array.from(new Float64Array(buf.buffer, buf.byteOffset, n * dim));
          yield values;
        }
      },
      close: () => fh.close(),
    };
  } catch (err) {
    await fh.close();
    throw err;
  }
}
