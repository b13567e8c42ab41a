/**
 * What the index needs from an adapter, whatever it is: the fractal ONNX adapter of adapter/, or the
 * identity adapter (one prefix = the input embedding, serving every level). Tests pass small fakes.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createIdentityAdapter as createAdapterIdentity } from '../adapter/index.js';
import { AtlasError } from '../common/index.js';
import { LEVEL_COLUMNS, type LevelColumn } from '../ontology/index.js';

/** The adapter path that selects the identity adapter. */
export const IDENTITY_ADAPTER = 'identity';

/** An adapter as the index uses it. */
export interface EmbeddingAdapter {
  readonly identity: boolean;
  readonly inputDim: number;
  readonly numScales: number;
  readonly scaleDim: number;
  /** Level columns the adapter was trained on, coarse to fine. */
  readonly levelColumns: readonly LevelColumn[];
  /** Level column → prefix j serving it. */
  readonly levelPrefix: Readonly<Partial<Record<LevelColumn, number>>>;
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Raw concatenated scale blocks, n × numScales·scaleDim (prefixes are normalised by the index). */
  embed(x: Float32Array, n: number): Promise<Float32Array>;
  close(): Promise<void>;
}

/** The identity adapter over `inputDim`-d embeddings: S = 1, d = inputDim, every level served by prefix 1. */
export function createIdentityAdapter(inputDim: number): EmbeddingAdapter {
  const identity = createAdapterIdentity(inputDim);
  const levelPrefix: Partial<Record<LevelColumn, number>> = {};
  for (const c of LEVEL_COLUMNS) levelPrefix[c] = 1;
  return {
    identity: true,
    inputDim,
    numScales: 1,
    scaleDim: inputDim,
    levelColumns: LEVEL_COLUMNS,
    levelPrefix,
    metadata: { kind: 'identity' },
    async embed(x: Float32Array, n: number) {
      return (await identity.embed(x, n)).blocks;
    },
    close: () => identity.close(),
  };
}

/** Options of {@link openEmbeddingAdapter}. */
export interface OpenAdapterOptions {
  /** Input dimension, needed (only) by the identity adapter: the atlas's or the manifest's. */
  readonly inputDim: number;
  /** Intra-op threads of the ONNX session. */
  readonly threads?: number;
}

/** Opens an adapter by path ("identity" or an ONNX file of adapter/). */
export async function openEmbeddingAdapter(path: string, options: OpenAdapterOptions): Promise<EmbeddingAdapter> {
  if (path === IDENTITY_ADAPTER) return createIdentityAdapter(options.inputDim);
  const { openOnnxAdapter } = await import('./onnx-adapter.js');
  return openOnnxAdapter(path, options);
}

/** sha256 (hex) of a file, streamed; of the string "identity" for the identity adapter. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  if (path === IDENTITY_ADAPTER) return hash.update(IDENTITY_ADAPTER).digest('hex');
  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(path, { highWaterMark: 4 << 20 });
    stream.on('data', (chunk) => hash.update(chunk));
    stream.on('error', (err) => reject(new AtlasError('file_not_found', `cannot read ${path}: ${err.message}`)));
    stream.on('end', () => resolve());
  });
  return hash.digest('hex');
}
