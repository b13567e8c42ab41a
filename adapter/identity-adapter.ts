/** The original embedding space seen as a one-scale adapter: blocks = the input, every level on prefix 1. */
import { AtlasError, LEVEL_COLUMNS, type LevelColumn } from '../common/index.js';
import type { Adapter } from './types.js';
import { checkInput } from './onnx-adapter.js';

/** The identity adapter over `dim`-d embeddings (use `openAdapter("identity", { inputDim })`). */
export function createIdentityAdapter(dim: number): Adapter {
  if (!Number.isSafeInteger(dim) || dim < 1 || dim > 1 << 16) throw new AtlasError('invalid_argument', `dim must be an integer in [1, ${1 << 16}], got ${dim}`);
  const levelPrefix = Object.fromEntries(LEVEL_COLUMNS.map((c) => [c, 1])) as Record<LevelColumn, number>;
  return {
    identity: true,
    inputDim: dim,
    numScales: 1,
    scaleDim: dim,
    outputDim: dim,
    levelColumns: LEVEL_COLUMNS,
    levelPrefix,
    metadata: null,
    async embed(x, n) {
      checkInput(x, n, dim);
      return Float32Array.from(x);
    },
    close: async () => {},
  };
}
