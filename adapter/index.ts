/**
 * The fractal adapter: ONNX inference in Node, prefix math, training bundles and the Python trainer's entry;
 * and the expression encoder in front of it (gene matching, aligned counts, SCimilarity's encoder in ONNX).
 */
export { createIdentityAdapter, loadAdapter, validateInput } from './adapter.js';
export type { Adapter, EmbedResult, LoadAdapterOptions } from './adapter.js';
export { CONTRACT_VERSION, INPUT_NAME, META, OUTPUT_BLOCKS, OUTPUT_FULL, checkGraphSignature, parseAdapterMetadata } from './contract.js';
export type { AdapterMetadata, GraphSignature } from './contract.js';
export { readOnnxMetadataProps } from './onnx-metadata.js';
export { createOrtSession } from './ort-session.js';
export type { OrtOutput, OrtSessionFactory, OrtSessionLike, OrtSessionOptions } from './ort-session.js';
export { l2NormalizeRows, prefixEmbedding } from './prefix.js';
export { NpyWriter, readNpy, writeNpy } from './npy.js';
export { BUNDLE_FORMAT, BUNDLE_VERSION, writeTrainingSet } from './training-set.js';
export type { TrainingBatch, TrainingSetOptions, TrainingSetResult } from './training-set.js';
export { DEFAULT_PYTHON, adapterScript, probeTorch, pythonPath, requireTorch, runPythonScript } from './python-env.js';
export type { RunPythonOptions } from './python-env.js';
export { ENCODER_CONTRACT_VERSION, ENCODER_INPUT, ENCODER_META, ENCODER_OUTPUT, checkEncoderSignature, hashGeneOrder, parseEncoderMetadata } from './encoder-contract.js';
export type { EncoderMetadata } from './encoder-contract.js';
export { DEFAULT_ENCODER_BATCH, loadEncoder, readEncoderMetadata } from './encoder.js';
export type { ExpressionEncoder, LoadEncoderOptions } from './encoder.js';
export { DEFAULT_MIN_GENE_OVERLAP, REPORT_GENES, createGeneIndex, geneReport, matchGenes, requireGeneOverlap } from './gene-match.js';
export type { GeneIndex, GeneMatch, GeneReport } from './gene-match.js';
export { AlignedCountsBuilder, alignCsrRows, alignedFromDense, checkAlignedCounts, densifyCounts, sliceCounts } from './aligned-counts.js';
export type { AlignedCounts } from './aligned-counts.js';
export { createOrtEncoderSession } from './ort-session.js';
export type { EncoderSessionFactory, EncoderSessionLike } from './ort-session.js';
export { ENCODER_PARITY_TOLERANCE, SCIMILARITY_MODEL_FILES, exportEncoder, measureEncoderParity } from './encoder-export.js';
export type { EncoderParity, ExportEncoderOptions, ExportEncoderResult } from './encoder-export.js';
