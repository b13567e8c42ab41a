/** The fractal ONNX adapter of adapter/, seen through {@link EmbeddingAdapter}. */
import { AtlasError } from '../common/index.js';
import type { EmbeddingAdapter, OpenAdapterOptions } from './adapter-port.js';

export async function openOnnxAdapter(path: string, _options: OpenAdapterOptions): Promise<EmbeddingAdapter> {
  throw new AtlasError('invalid_model', `cannot open adapter ${path}: the ONNX adapter loader is not available yet`);
}
