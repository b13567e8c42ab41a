/**
 * The edge around h5wasm (HDF5 compiled to WebAssembly): open a file read-only through the Node build (host
 * file system via NODERAWFS), look up objects, read attributes and hyperslabs. HDF5's own error stack is
 * turned into thrown errors (instead of printed to stderr) and every failure into one AtlasError line.
 */
import { open } from 'node:fs/promises';
import { AtlasError } from '../../common/index.js';

type H5 = typeof import('h5wasm/node');
export type H5Dataset = InstanceType<H5['Dataset']>;
export type H5Group = InstanceType<H5['Group']>;

/** What a dataset holds, in the terms the importer checks. */
export interface DatasetInfo {
  readonly kind: 'integer' | 'float' | 'string' | 'other';
  /** Bytes per element. */
  readonly size: number;
  readonly shape: readonly number[];
}

let loaded: Promise<H5> | null = null;

/** Loads h5wasm once per process and makes HDF5 throw instead of printing its error stack. */
export function loadH5(): Promise<H5> {
  loaded ??= (async () => {
    const h5 = await import('h5wasm/node');
    const module = await h5.ready;
    module.activate_throwing_error_handler();
    return h5;
  })();
  return loaded;
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** First line of an h5wasm/HDF5 error (its stacks run to dozens of lines). */
function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('HDF5-DIAG'));
  return (lines.find((l) => l.startsWith('minor:')) ?? lines[0] ?? 'unknown error').replace(/^minor:\s*/, '');
}

/** An HDF5 file open for reading. */
export interface H5File {
  readonly path: string;
  /** The object at `path` inside the file, or null when there is none. */
  group(path: string): H5Group | null;
  dataset(path: string): H5Dataset | null;
  /** A string (or string-array's first) attribute of an object, or undefined. */
  attribute(objectPath: string, name: string): unknown;
  info(ds: H5Dataset): DatasetInfo;
  /** Rows [start, end) of a dataset (all columns), as h5wasm returns them (a typed array or strings). */
  readRows(ds: H5Dataset, start: number, end: number): unknown;
  /** The whole dataset. */
  readAll(ds: H5Dataset): unknown;
  close(): void;
}

/** Runs an h5wasm call, turning its errors into one readable AtlasError. */
function guard<T>(path: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof AtlasError) throw err;
    throw new AtlasError('invalid_input', `${path}: cannot read ${what}: ${firstLine(err)}`);
  }
}

/** Opens `path` read-only; `file_not_found` when absent, `invalid_input` when it is not HDF5. */
export async function openH5File(path: string): Promise<H5File> {
  let head: Buffer;
  try {
    const fh = await open(path, 'r');
    try {
      head = Buffer.alloc(8);
      await fh.read(head, 0, 8, 0);
    } finally {
      await fh.close();
    }
  } catch {
    throw new AtlasError('file_not_found', `input file not found: ${path}`);
  }
  if (!head.equals(HDF5_SIGNATURE)) throw new AtlasError('invalid_input', `${path} is not an HDF5 (.h5ad) file: no HDF5 signature at its start`);
  const h5 = await loadH5();
  const file = guard(path, 'the file', () => new h5.File(path, 'r'));
  const get = (p: string): unknown => guard(path, p, () => file.get(p));
  return {
    path,
    group: (p) => {
      const o = get(p);
      return o instanceof h5.Group ? o : null;
    },
    dataset: (p) => {
      const o = get(p);
      return o instanceof h5.Dataset ? o : null;
    },
    attribute: (p, name) =>
      guard(path, `attribute ${name} of ${p}`, () => {
        const o = file.get(p) as H5Group | H5Dataset | null;
        if (!o || !(name in o.attrs)) return undefined;
        return o.get_attribute(name, false);
      }),
    info: (ds) =>
      guard(path, ds.path, () => {
        const m = ds.metadata;
        const kind = m.type === 0 ? 'integer' : m.type === 1 ? 'float' : m.type === 3 ? 'string' : 'other';
        return { kind, size: m.size, shape: m.shape ?? [] };
      }),
    readRows: (ds, start, end) => guard(path, `${ds.path} rows ${start}..${end - 1}`, () => ds.slice([[start, end]])),
    readAll: (ds) => guard(path, ds.path, () => ds.value),
    close: () => {
      try {
        file.close();
      } catch {
        // closing a read-only file cannot lose data
      }
    },
  };
}
