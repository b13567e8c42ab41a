/** The fractal ONNX adapter of adapter/ (`loadAdapter`), seen through {@link EvalAdapter}. */
import { loadAdapter } from '../adapter/index.js';
import { AtlasError } from '../common/index.js';
import { LEVEL_COLUMNS, type LevelColumn } from '../ontology/index.js';
import type { EvalAdapter } from './adapter-port.js';

/**
 * Loads an ONNX fractal adapter. Its metadata names the level each scale was trained on; the evaluation
 * scores those levels (each once, coarse to fine).
 */
export async function loadEvalOnnxAdapter(path: string): Promise<EvalAdapter> {
  const adapter = await loadAdapter(path, { intraOpThreads: 1 });
  const declared = adapter.metadata?.levelColumns ?? LEVEL_COLUMNS;
  const unknown = declared.filter((c) => !(LEVEL_COLUMNS as readonly string[]).includes(c));
  if (unknown.length > 0) {
    await adapter.close();
    throw new AtlasError('invalid_model', `${path}: unknown level column(s) ${unknown.join(', ')}; expected ${LEVEL_COLUMNS.join(', ')}`);
  }
  const levelColumns = LEVEL_COLUMNS.filter((c) => declared.includes(c)) as LevelColumn[];
  return {
    identity: adapter.kind === 'identity',
    inputDim: adapter.inputDim,
    numScales: adapter.numScales,
    scaleDim: adapter.scaleDim,
    levelColumns,
    async embed(x, n) {
      return (await adapter.embed(x, n)).blocks;
    },
    close: () => adapter.close(),
  };
}
