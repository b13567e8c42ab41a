/**
 * What the evaluation needs from an adapter: its shape, the levels it was trained on, and a batch embed.
 * `identity` gives the identity adapter (one scale = the input embedding), any other path the fractal ONNX
 * adapter of adapter/ (loaded lazily, so that the pure parts never load onnxruntime).
 */
import { AtlasError } from '../common/index.js';
import { LEVEL_COLUMNS, type LevelColumn } from '../ontology/index.js';

/** The adapter path that selects the identity adapter. */
export const IDENTITY_ADAPTER_PATH = 'identity';

/** An adapter as the evaluation uses it. */
export interface EvalAdapter {
  readonly identity: boolean;
  readonly inputDim: number;
  readonly numScales: number;
  readonly scaleDim: number;
  /** Level columns the adapter was trained on, coarse to fine. */
  readonly levelColumns: readonly LevelColumn[];
  /** Raw concatenated scale blocks of n rows, `n × numScales·scaleDim`. */
  embed(x: Float32Array, n: number): Promise<Float32Array>;
  close(): Promise<void>;
}

/** The identity adapter over `inputDim`-d embeddings: one scale, every level. */
export function createIdentityEvalAdapter(inputDim: number): EvalAdapter {
  return {
    identity: true,
    inputDim,
    numScales: 1,
    scaleDim: inputDim,
    levelColumns: LEVEL_COLUMNS,
    async embed(x, n) {
      if (x.length !== n * inputDim) throw new AtlasError('wrong_dimension', `expected ${n} × ${inputDim} values, got ${x.length}`);
      return x;
    },
    async close() {},
  };
}
