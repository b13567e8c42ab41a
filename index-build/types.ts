/** Options and result of `buildAtlasIndex`. */
import type { IndexManifest, Quantization } from '../index-files/index.js';
import type { ReferenceMapOptions } from './map-pass.js';

export interface BuildAtlasIndexOptions {
  readonly referencePath: string;
  /** Adapter ONNX file, or "identity". */
  readonly adapterPath: string;
  readonly outDir: string;
  /** Expression encoder ONNX whose latent space the atlas embeddings are in; recorded in the manifest. */
  readonly encoderPath?: string;
  readonly quantization?: Quantization;
  readonly connectivity?: number;
  readonly expansionAdd?: number;
  /** Beam of searches without calibrated beams (and of the default index views). */
  readonly expansionSearch?: number;
  /**
   * recall@k the served beams are calibrated for, per prefix and k, on reflected reference cells
   * (index-build/calibrate-beams.ts); absent or null (default): none, every search uses `expansionSearch`.
   */
  readonly recallTarget?: number | null;
  readonly withOriginal?: boolean;
  /** usearch add threads and adapter threads; default: available cores. */
  readonly threads?: number;
  /** Replace an existing index folder. */
  readonly overwrite?: boolean;
  /** Abort the build (tests of crash safety). */
  readonly signal?: AbortSignal;
  /** Lay out a reference map (map.bin, GET /v1/map) with these options; none when absent or false. */
  readonly map?: ReferenceMapOptions | false;
}

export interface BuildAtlasIndexResult {
  readonly outDir: string;
  readonly manifest: IndexManifest;
  readonly seconds: number;
  /** Vectors added per second over all prefix indexes (whole build time). */
  readonly vectorsPerSecond: number;
  /** Seconds per phase: hashing inputs, pass 1 (adapter + labels + ids), each index add, calibration. */
  readonly phases: Readonly<Record<string, number>>;
}
