/**
 * The one adapter abstraction: `openAdapter("identity" | path)` gives an {@link Adapter} that owns its
 * metadata and the levels its prefixes serve, whether it is a trained fractal ONNX model or the identity over
 * the original embeddings (one prefix = the input, serving every level). Index build, search and eval all
 * open adapters here.
 */
import { createHash } from 'node:crypto';
import { AtlasError, sha256File } from '../common/index.js';
import { createIdentityAdapter } from './identity-adapter.js';
import { loadOnnxAdapter } from './onnx-adapter.js';
import type { Adapter, OpenAdapterOptions } from './types.js';

/** The adapter path that selects the identity adapter. */
export const IDENTITY_ADAPTER = 'identity';

/**
 * Opens "identity" or a fractal adapter ONNX file, checked against the contract: `file_not_found`,
 * `invalid_model` (not an adapter, or levels it does not know), `wrong_dimension` (inputDim differs).
 */
export async function openAdapter(path: string, options: OpenAdapterOptions = {}): Promise<Adapter> {
  if (path === IDENTITY_ADAPTER) {
    if (options.inputDim === undefined) throw new AtlasError('invalid_argument', 'the identity adapter needs the input dimension');
    return createIdentityAdapter(options.inputDim);
  }
  const adapter = await loadOnnxAdapter(path, options);
  if (options.inputDim !== undefined && adapter.inputDim !== options.inputDim) {
    await adapter.close();
    throw new AtlasError('wrong_dimension', `the adapter ${path} takes ${adapter.inputDim}-d embeddings, not ${options.inputDim}-d`);
  }
  return adapter;
}

/** What an index manifest records about its adapter (informative): the metadata without the vocabularies. */
export function describeAdapter(adapter: Adapter): Readonly<Record<string, unknown>> {
  if (adapter.metadata === null) return { kind: adapter.identity ? 'identity' : 'fractal' };
  const { vocabularies: _vocabularies, ...rest } = adapter.metadata;
  return { kind: 'fractal', ...rest };
}

/** sha256 (hex) of an adapter file; of the string "identity" for the identity adapter. */
export async function adapterSha256(path: string): Promise<string> {
  return path === IDENTITY_ADAPTER ? createHash('sha256').update(IDENTITY_ADAPTER).digest('hex') : sha256File(path);
}
