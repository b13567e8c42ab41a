/**
 * The files of an index folder: the manifest and its checks, the usearch wrapper, and the readers/writers of
 * the label, cell-id and vector files. index-build/ writes them, search/ reads them.
 */
export { INDEX_FILES, checkAdapterHash, checkEncoderHash, readManifest, readReferenceMap, replaceManifest } from './manifest.js';
export { checksumFile, checkLabelCodes, checkVerifyMode, verifyIndex, verifyIndexFiles } from './integrity.js';
export type { VerifyIndexOptions, VerifyResult } from './integrity.js';
export { CellIdReader, CellIdWriter } from './cell-id-store.js';
export { MAX_VOCABULARY, NO_CL_ID, labelBytes, loadLabelTable, viewLabelTable } from './label-store.js';
export type { LabelCodes, LabelTable } from './label-store.js';
export { VectorFile } from './vector-file.js';
export { describeBeams, searchBeam } from './beams.js';
export { VectorIndex, emptyNeighbours, exactNeighbours, mergeNeighbours } from './usearch-io.js';
export type { IndexParams, Neighbours } from './usearch-io.js';
export { INDEX_FORMAT_VERSION, QUANTIZATIONS, VERIFY_MODES, metricFor } from './types.js';
export type { BeamEntry, BeamTable, DataFileEntry, EncoderEntry, IndexFileEntry, IndexManifest, IndexMetric, MapFileEntry, Quantization, VerifyMode } from './types.js';
