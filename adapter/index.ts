/**
 * The fractal adapter: one `openAdapter` for ONNX models and the identity, prefix math, training bundles and the Python trainer's entry;
 * and the expression encoder in front of it (gene matching, aligned counts, SCimilarity's encoder in ONNX).
 */
export { IDENTITY_ADAPTER, adapterSha256, describeAdapter, openAdapter } from './adapter.js';
export type { Adapter, AdapterLayout, OpenAdapterOptions } from './types.js';
export { CONTRACT_VERSION, INPUT_NAME, META, OUTPUT_BLOCKS, OUTPUT_FULL, parseAdapterMetadata } from './contract.js';
export type { AdapterMetadata, GraphSignature } from './contract.js';
export { readOnnxMetadataProps } from './onnx-metadata.js';
export type { OrtSessionFactory, OrtSessionLike } from './ort-session.js';
export { l2NormalizeRows, prefixEmbedding } from './prefix.js';
export { NpyWriter, readNpy, writeNpy } from './npy.js';
export { writeTrainingSet } from './training-set.js';
export type { TrainingBatch, TrainingSetOptions, TrainingSetResult } from './training-set.js';
export { adapterScript, pythonPath, requireTorch, runPythonScript } from './python-env.js';
export type { RunPythonOptions } from './python-env.js';
export { ENCODER_META, hashGeneOrder } from './encoder-contract.js';
export type { EncoderMetadata } from './encoder-contract.js';
export { DEFAULT_ENCODER_BATCH, loadEncoder, readEncoderMetadata } from './encoder.js';
export type { ExpressionEncoder, LoadEncoderOptions } from './encoder.js';
export { DEFAULT_MIN_GENE_OVERLAP, createGeneIndex, geneReport, matchGenes, requireGeneOverlap } from './gene-match.js';
export type { GeneIndex, GeneMatch, GeneReport } from './gene-match.js';
export { AlignedCountsBuilder, alignCsrRows, checkAlignedCounts, densifyCounts, sliceCounts } from './aligned-counts.js';
export type { AlignedCounts } from './aligned-counts.js';
export type { EncoderSessionFactory, EncoderSessionLike } from './ort-session.js';
export { ENCODER_PARITY_TOLERANCE, exportEncoder } from './encoder-export.js';
export type { EncoderParity, ExportEncoderOptions, ExportEncoderResult } from './encoder-export.js';
