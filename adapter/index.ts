/** The fractal adapter: one `openAdapter` for ONNX models and the identity, prefix math, training bundles and the Python trainer's entry. */
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
