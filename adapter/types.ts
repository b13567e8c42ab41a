/** The adapter interface, whichever kind opened it (see adapter.ts). */
import type { LevelColumn } from '../common/index.js';
import type { AdapterMetadata } from './contract.js';
import type { OrtSessionFactory } from './ort-session.js';

/** An opened adapter. */
export interface Adapter {
  /** True for the identity adapter. */
  readonly identity: boolean;
  readonly inputDim: number;
  readonly numScales: number;
  readonly scaleDim: number;
  /** numScales·scaleDim. */
  readonly outputDim: number;
  /** Level columns the adapter serves, coarse to fine. */
  readonly levelColumns: readonly LevelColumn[];
  /** Level column → prefix j (1..numScales) serving it, as the metadata declares; identity: every level → 1. */
  readonly levelPrefix: Readonly<Partial<Record<LevelColumn, number>>>;
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
