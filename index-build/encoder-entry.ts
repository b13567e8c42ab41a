/** The manifest record of `build --encoder`: which expression model the atlas's embedding space came from. */
import { basename } from 'node:path';
import { AtlasError, sha256File } from '../common/index.js';
import { readEncoderMetadata } from '../adapter/index.js';
import type { EncoderEntry } from '../index-files/index.js';

/** Reads and checks an encoder file against the atlas (its latent dim must be the atlas's embedding dim). */
export async function describeEncoder(path: string, atlasDim: number): Promise<EncoderEntry> {
  const meta = await readEncoderMetadata(path);
  if (meta.latentDim !== atlasDim) {
    throw new AtlasError('wrong_dimension', `the encoder ${path} outputs ${meta.latentDim}-d embeddings, the atlas has ${atlasDim}-d`);
  }
  return {
    sha256: await sha256File(path),
    file: basename(path),
    numGenes: meta.numGenes,
    latentDim: meta.latentDim,
    geneOrderSha256: meta.geneOrderSha256,
    targetSum: meta.targetSum,
    log1p: meta.log1p,
    source: meta.source,
  };
}
