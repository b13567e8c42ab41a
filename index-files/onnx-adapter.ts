/** The fractal ONNX adapter of adapter/ (loadAdapter), seen through {@link EmbeddingAdapter}. */
import { loadAdapter } from '../adapter/index.js';
import { AtlasError } from '../common/index.js';
import { LEVEL_COLUMNS, type LevelColumn } from '../ontology/index.js';
import type { EmbeddingAdapter, OpenAdapterOptions } from './adapter-port.js';

/**
 * Opens an adapter ONNX file. Its metadata lists one level column per scale, coarse to fine: level column i
 * is served by prefix i + 1 (the prefix it was trained to separate).
 */
export async function openOnnxAdapter(path: string, options: OpenAdapterOptions): Promise<EmbeddingAdapter> {
  const adapter = await loadAdapter(path, { intraOpThreads: options.threads ?? 1 });
  const meta = adapter.metadata!;
  const levelPrefix: Partial<Record<LevelColumn, number>> = {};
  const levelColumns: LevelColumn[] = [];
  meta.levelColumns.forEach((c, i) => {
    if (!(LEVEL_COLUMNS as readonly string[]).includes(c)) {
      throw new AtlasError('invalid_model', `${path}: level column ${JSON.stringify(c)} is not one of ${LEVEL_COLUMNS.join(', ')}`);
    }
    if (levelPrefix[c as LevelColumn] === undefined) levelColumns.push(c as LevelColumn);
    levelPrefix[c as LevelColumn] = i + 1;
  });
  levelColumns.sort((a, b) => LEVEL_COLUMNS.indexOf(a) - LEVEL_COLUMNS.indexOf(b));
  return {
    identity: false,
    inputDim: adapter.inputDim,
    numScales: adapter.numScales,
    scaleDim: adapter.scaleDim,
    levelColumns,
    levelPrefix,
    metadata: {
      kind: adapter.kind,
      inputDim: meta.inputDim,
      numScales: meta.numScales,
      scaleDim: meta.scaleDim,
      levelColumns: meta.levelColumns,
      fingerprint: meta.fingerprint,
      recipe: meta.recipe,
      validation: meta.validation,
    },
    async embed(x: Float32Array, n: number) {
      return (await adapter.embed(x, n)).blocks;
    },
    close: () => adapter.close(),
  };
}
