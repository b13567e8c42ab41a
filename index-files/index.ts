/**
 * The files of an index folder: the manifest and its checks, the usearch wrapper, and the readers/writers of
 * the label, cell-id and vector files. index-build/ writes them, search/ reads them.
 */
export { INDEX_FILES, checkAdapterHash, checkEncoderHash, readManifest, verifyFiles } from './manifest.js';
export { CellIdReader, CellIdWriter, cellIdHashBytes } from './cell-id-store.js';
export { MAX_VOCABULARY, NO_CL_ID, labelBytes, loadLabelTable, viewLabelTable } from './label-store.js';
export type { LabelCodes, LabelTable } from './label-store.js';
export { VectorFile } from './vector-file.js';
export { VectorIndex, exactNeighbours } from './usearch-io.js';
export type { IndexParams, Neighbours } from './usearch-io.js';
export { firstNonFinite, normalizedCentroid, normalizedPrefix } from './vector-math.js';
export { IDENTITY_ADAPTER, createIdentityAdapter, openEmbeddingAdapter, sha256File } from './adapter-port.js';
export type { EmbeddingAdapter, OpenAdapterOptions } from './adapter-port.js';
export { INDEX_FORMAT_VERSION, metricFor } from './types.js';
export type { DataFileEntry, EncoderEntry, IndexFileEntry, IndexManifest, IndexMetric, Quantization } from './types.js';
