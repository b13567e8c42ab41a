/**
 * Fractal adapters in Node: a trained ONNX model (loadAdapter) or the identity over the original embeddings
 * (createIdentityAdapter), behind one interface so that both spaces are indexed and searched the same way.
 */
import { readFile } from 'node:fs/promises';
import { AtlasError } from '../common/index.js';
import { checkGraphSignature, parseAdapterMetadata, type AdapterMetadata } from './contract.js';
import { readOnnxMetadataProps } from './onnx-metadata.js';
import { createOrtSession, type OrtSessionFactory, type OrtSessionLike } from './ort-session.js';
import { l2NormalizeRows, prefixEmbedding } from './prefix.js';

/** Embeddings of `n` cells, row-major. */
export interface EmbedResult {
  readonly n: number;
  /** [n, numScales·scaleDim]: concatenated raw scale blocks; prefixes are cut from here. */
  readonly blocks: Float32Array;
  /** [n, numScales·scaleDim]: the full embedding, unit L2 norm. */
  readonly full: Float32Array;
}

/** What the index and the server use, whichever space they work in. */
export interface Adapter {
  readonly kind: 'fractal' | 'identity';
  readonly inputDim: number;
  readonly numScales: number;
  readonly scaleDim: number;
  /** numScales·scaleDim. */
  readonly outputDim: number;
  /** Everything the model file declares; null for the identity adapter. */
  readonly metadata: AdapterMetadata | null;
  /** Embeds `n` cells of `inputDim` finite values each, in batches. */
  embed(x: Float32Array, n: number): Promise<EmbedResult>;
  /** Prefix j (1..numScales) of `blocks` from {@link embed}: first j·scaleDim dims, L2-normalised. */
  prefix(blocks: Float32Array, n: number, j: number): Float32Array;
  close(): Promise<void>;
}

export interface LoadAdapterOptions {
  /** Cells per ONNX run (default 1024). */
  readonly batchSize?: number;
  /** onnxruntime intra-op threads (default 1: the machine's cores are shared). */
  readonly intraOpThreads?: number;
  /** Session factory; tests pass a fake, the default is onnxruntime-node. */
  readonly sessionFactory?: OrtSessionFactory;
}

function checkPositiveInt(v: number, name: string, max: number): number {
  if (!Number.isInteger(v) || v < 1 || v > max) throw new AtlasError('invalid_argument', `${name} must be an integer in [1, ${max}], got ${v}`);
  return v;
}

/** Checks an input batch before it reaches native code: a native crash cannot be caught. */
export function validateInput(x: Float32Array, n: number, dim: number): void {
  if (!(x instanceof Float32Array)) throw new AtlasError('invalid_argument', 'embeddings must be a Float32Array');
  if (!Number.isInteger(n) || n < 0) throw new AtlasError('invalid_argument', `cell count ${n} is not a non-negative integer`);
  if (x.length !== n * dim) {
    throw new AtlasError('wrong_dimension', `expected ${n} cells × ${dim} dims = ${n * dim} values, got ${x.length}`);
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      throw new AtlasError('non_finite', `embedding of cell ${Math.floor(i / dim)} has a non-finite value at dim ${i % dim}`);
    }
  }
}

class OnnxAdapter implements Adapter {
  readonly kind = 'fractal' as const;
  readonly inputDim: number;
  readonly numScales: number;
  readonly scaleDim: number;
  readonly outputDim: number;

  constructor(
    readonly metadata: AdapterMetadata,
    private readonly session: OrtSessionLike,
    private readonly batchSize: number,
    private readonly source: string,
  ) {
    this.inputDim = metadata.inputDim;
    this.numScales = metadata.numScales;
    this.scaleDim = metadata.scaleDim;
    this.outputDim = metadata.numScales * metadata.scaleDim;
  }

  async embed(x: Float32Array, n: number): Promise<EmbedResult> {
    validateInput(x, n, this.inputDim);
    const d = this.outputDim;
    const blocks = new Float32Array(n * d);
    const full = new Float32Array(n * d);
    for (let start = 0; start < n; start += this.batchSize) {
      const m = Math.min(this.batchSize, n - start);
      const out = await this.session.run(x.subarray(start * this.inputDim, (start + m) * this.inputDim), m, this.inputDim);
      for (const [name, o] of [['blocks', out.blocks], ['full', out.full]] as const) {
        if (o.dims.length !== 2 || o.dims[0] !== m || o.dims[1] !== d || o.data.length !== m * d) {
          throw new AtlasError('invalid_model', `${this.source}: output ${name} has dims [${o.dims.join(', ')}], expected [${m}, ${d}]`);
        }
      }
      blocks.set(out.blocks.data, start * d);
      full.set(out.full.data, start * d);
    }
    return { n, blocks, full };
  }

  prefix(blocks: Float32Array, n: number, j: number): Float32Array {
    return prefixEmbedding(blocks, n, this.numScales, this.scaleDim, j);
  }

  close(): Promise<void> {
    return this.session.release();
  }
}

/**
 * Loads an adapter ONNX file and checks it against the contract (names, dims, metadata); a file that is not a
 * fractal adapter fails with AtlasError('invalid_model'), a missing one with 'file_not_found'.
 */
export async function loadAdapter(path: string, options: LoadAdapterOptions = {}): Promise<Adapter> {
  const batchSize = checkPositiveInt(options.batchSize ?? 1024, 'batchSize', 1 << 20);
  const intraOpThreads = checkPositiveInt(options.intraOpThreads ?? 1, 'intraOpThreads', 256);
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
  return new OnnxAdapter(metadata, session, batchSize, path);
}

/**
 * The original embedding space seen as a one-scale adapter: `blocks` is the input unchanged and `full` (= prefix
 * 1) its L2-normalised copy, so the raw space is indexed and compared exactly like a fractal one.
 */
export function createIdentityAdapter(dim: number): Adapter {
  checkPositiveInt(dim, 'dim', 1 << 16);
  return {
    kind: 'identity',
    inputDim: dim,
    numScales: 1,
    scaleDim: dim,
    outputDim: dim,
    metadata: null,
    async embed(x, n) {
      validateInput(x, n, dim);
      return { n, blocks: Float32Array.from(x), full: l2NormalizeRows(x, n, dim) };
    },
    prefix: (blocks, n, j) => prefixEmbedding(blocks, n, 1, dim, j),
    close: async () => {},
  };
}
