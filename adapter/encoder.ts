/**
 * The expression encoder in Node: aligned counts → latent embeddings (SCimilarity's 128-d space) with
 * onnxruntime-node, one densified batch at a time. The normalisation runs inside the graph.
 */
import { readFile } from 'node:fs/promises';
import { AtlasError } from '../common/index.js';
import { checkAlignedCounts, densifyCounts, type AlignedCounts } from './aligned-counts.js';
import { checkEncoderSignature, parseEncoderMetadata, type EncoderMetadata } from './encoder-contract.js';
import { createGeneIndex, type GeneIndex } from './gene-match.js';
import { readOnnxMetadataProps } from './onnx-metadata.js';
import { createOrtEncoderSession, type EncoderSessionFactory, type EncoderSessionLike } from './ort-session.js';

/** Cells per ONNX run by default: SCimilarity-sized batches (256 × 28k floats = 29 MB dense). */
export const DEFAULT_ENCODER_BATCH = 256;

export interface ExpressionEncoder {
  readonly metadata: EncoderMetadata;
  readonly genes: GeneIndex;
  /** n × latentDim unit-norm embeddings of aligned counts (checked first). */
  encode(counts: AlignedCounts): Promise<Float32Array>;
  close(): Promise<void>;
}

export interface LoadEncoderOptions {
  readonly batchSize?: number;
  /** onnxruntime intra-op threads (default 1). */
  readonly intraOpThreads?: number;
  readonly sessionFactory?: EncoderSessionFactory;
}

async function readModel(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new AtlasError('file_not_found', `encoder model ${path} does not exist`);
    throw new AtlasError('invalid_model', `cannot read encoder model ${path}: ${(err as Error).message}`);
  }
}

/** The metadata of an encoder file, without opening an inference session (e.g. to validate requests). */
export async function readEncoderMetadata(path: string): Promise<EncoderMetadata> {
  return parseEncoderMetadata(readOnnxMetadataProps(await readModel(path), path), path);
}

class OnnxEncoder implements ExpressionEncoder {
  readonly genes: GeneIndex;

  constructor(readonly metadata: EncoderMetadata, private readonly session: EncoderSessionLike, private readonly batchSize: number, private readonly source: string) {
    this.genes = createGeneIndex(metadata.genes, metadata.geneRank);
  }

  async encode(counts: AlignedCounts): Promise<Float32Array> {
    const { numGenes: G, latentDim: D } = this.metadata;
    checkAlignedCounts(counts, G);
    const out = new Float32Array(counts.n * D);
    for (let start = 0; start < counts.n; start += this.batchSize) {
      const end = Math.min(counts.n, start + this.batchSize);
      const m = end - start;
      const o = await this.session.run(densifyCounts(counts, start, end), m, G);
      if (o.dims.length !== 2 || o.dims[0] !== m || o.dims[1] !== D || o.data.length !== m * D) {
        throw new AtlasError('invalid_model', `${this.source}: output has dims [${o.dims.join(', ')}], expected [${m}, ${D}]`);
      }
      out.set(o.data, start * D);
    }
    return out;
  }

  close(): Promise<void> {
    return this.session.release();
  }
}

/** Loads an encoder ONNX file and checks it against the encoder contract. */
export async function loadEncoder(path: string, options: LoadEncoderOptions = {}): Promise<ExpressionEncoder> {
  const batchSize = options.batchSize ?? DEFAULT_ENCODER_BATCH;
  const threads = options.intraOpThreads ?? 1;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 65_536) throw new AtlasError('invalid_argument', `encoder batch size must be an integer in [1, 65536], got ${batchSize}`);
  if (!Number.isSafeInteger(threads) || threads < 1 || threads > 256) throw new AtlasError('invalid_argument', `encoder threads must be an integer in [1, 256], got ${threads}`);
  const bytes = await readModel(path);
  const metadata = parseEncoderMetadata(readOnnxMetadataProps(bytes, path), path);
  const session = await (options.sessionFactory ?? createOrtEncoderSession)(bytes, { intraOpThreads: threads }, path);
  try {
    checkEncoderSignature(session.signature, metadata, path);
  } catch (err) {
    await session.release();
    throw err;
  }
  return new OnnxEncoder(metadata, session, batchSize, path);
}
