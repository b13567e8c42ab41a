/** The fractal adapter: ONNX inference in Node, prefix math, training bundles and the Python trainer's entry. */
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
