/** The adapter interface, whichever kind opened it (see adapter.ts). */
import type { LevelColumn } from '../common/index.js';
import type { AdapterMetadata } from './contract.js';
import type { OrtSessionFactory } from './ort-session.js';

/** How an adapter's output is laid out and which prefix serves which level: what an index built with it records. */
export interface AdapterLayout {
  /** Dimension of the embeddings the adapter takes (and the atlas stores). */
  readonly inputDim: number;
  /** Number of scales S of the output (1 for the identity adapter). */
  readonly numScales: number;
  /** Dims d of one scale block; prefix j has j·d dims. */
  readonly scaleDim: number;
  /** Level columns the adapter serves, coarse to fine: the levels search and annotate accept. */
  readonly levelColumns: readonly LevelColumn[];
  /** Level column → prefix j (1..numScales) serving it, as the metadata declares; identity: every level → 1. */
  readonly levelPrefix: Readonly<Partial<Record<LevelColumn, number>>>;
}

/** An opened adapter. */
export interface Adapter extends AdapterLayout {
  /** True for the identity adapter. */
  readonly identity: boolean;
  /** numScales·scaleDim. */
  readonly outputDim: number;
  /** Everything the model file declares; null for the identity adapter. */
  readonly metadata: AdapterMetadata | null;
  /**
   * Embeds `n` cells of `inputDim` finite values: the raw concatenated scale blocks, n × outputDim. Prefix j is
   * the L2-normalised first j blocks ({@link prefixEmbedding}); the index cuts and normalises them itself.
   */
  embed(x: Float32Array, n: number): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Options of {@link openAdapter}. */
export interface OpenAdapterOptions {
  /** Input dimension: required by the identity adapter (the atlas's or the manifest's), checked otherwise. */
  readonly inputDim?: number;
  /** onnxruntime intra-op threads (default 1: the machine's cores are shared). */
  readonly threads?: number;
  /** Cells per ONNX run (default 1024). */
  readonly batchSize?: number;
  /** Session factory; tests pass a fake, the default is onnxruntime-node. */
  readonly sessionFactory?: OrtSessionFactory;
}
