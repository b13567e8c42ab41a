/** A trained fractal adapter ONNX file, run with onnxruntime-node in batches (use `openAdapter(path)`). */
import { readFile } from 'node:fs/promises';
import { AtlasError, checkRows } from '../common/index.js';
import { checkGraphSignature, parseAdapterMetadata, type AdapterMetadata } from './contract.js';
import { readOnnxMetadataProps } from './onnx-metadata.js';
import { createOrtSession, type OrtSessionLike } from './ort-session.js';
import type { Adapter, OpenAdapterOptions } from './types.js';

function checkPositiveInt(v: number, name: string, max: number): number {
  if (!Number.isInteger(v) || v < 1 || v > max) throw new AtlasError('invalid_argument', `${name} must be an integer in [1, ${max}], got ${v}`);
  return v;
}

/** Checks an input batch before it reaches native code: a native crash cannot be caught. */
export function checkInput(x: Float32Array, n: number, dim: number): void {
  if (!Number.isInteger(n) || n < 0) throw new AtlasError('invalid_argument', `cell count ${n} is not a non-negative integer`);
  checkRows(x, dim, 'embeddings', n);
}

/** The adapter over one checked session: embed runs it in batches of `batchSize` cells. */
function createOnnxAdapter(metadata: AdapterMetadata, session: OrtSessionLike, batchSize: number, source: string): Adapter {
  const { inputDim, numScales, scaleDim } = metadata;
  const d = numScales * scaleDim;
  return {
    identity: false,
    inputDim,
    numScales,
    scaleDim,
    outputDim: d,
    levelColumns: metadata.servedLevels,
    levelPrefix: metadata.levelPrefix,
    metadata,
    async embed(x, n) {
      checkInput(x, n, inputDim);
      const blocks = new Float32Array(n * d);
      for (let start = 0; start < n; start += batchSize) {
        const m = Math.min(batchSize, n - start);
        const out = (await session.run(x.subarray(start * inputDim, (start + m) * inputDim), m, inputDim)).blocks;
        if (out.dims.length !== 2 || out.dims[0] !== m || out.dims[1] !== d || out.data.length !== m * d) {
          throw new AtlasError('invalid_model', `${source}: output blocks has dims [${out.dims.join(', ')}], expected [${m}, ${d}]`);
        }
        blocks.set(out.data, start * d);
      }
      return blocks;
    },
    close: () => session.release(),
  };
}

/**
 * Loads an adapter ONNX file and checks it against the contract (names, dims, metadata); a file that is not a
 * fractal adapter fails with AtlasError('invalid_model'), a missing one with 'file_not_found'.
 */
export async function loadOnnxAdapter(path: string, options: OpenAdapterOptions = {}): Promise<Adapter> {
  const batchSize = checkPositiveInt(options.batchSize ?? 1024, 'batchSize', 1 << 20);
  const intraOpThreads = checkPositiveInt(options.threads ?? 1, 'threads', 256);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AtlasError('file_not_found', `adapter model ${path} does not exist`);
    throw new AtlasError('invalid_model', `cannot read adapter model ${path}: ${(err as Error).message}`);
  }
  const metadata = parseAdapterMetadata(readOnnxMetadataProps(bytes, path), path);
  const session = await (options.sessionFactory ?? createOrtSession)(bytes, { intraOpThreads }, path);
  try {
    checkGraphSignature(session.signature, metadata, path);
  } catch (err) {
    await session.release();
    throw err;
  }
  return createOnnxAdapter(metadata, session, batchSize, path);
}
