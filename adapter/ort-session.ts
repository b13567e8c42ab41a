/**
 * The only file that touches onnxruntime-node. The adapter talks to an {@link OrtSessionLike}, so tests can
 * hand `loadAdapter` a fake factory instead of a native session.
 */
import ort from 'onnxruntime-node';
import { AtlasError } from '../common/index.js';
import { INPUT_NAME, OUTPUT_BLOCKS, OUTPUT_FULL, type GraphSignature } from './contract.js';
import { ENCODER_INPUT, ENCODER_OUTPUT } from './encoder-contract.js';

/** One native output: row-major data and its dims. */
export interface OrtOutput {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/** What the adapter needs from an inference session. */
export interface OrtSessionLike {
  readonly signature: GraphSignature;
  /** Runs one batch of `n` rows of `dim` values (already validated). */
  run(input: Float32Array, n: number, dim: number): Promise<{ blocks: OrtOutput; full: OrtOutput }>;
  release(): Promise<void>;
}

export interface OrtSessionOptions {
  readonly intraOpThreads: number;
}

/** Creates a session from model bytes. */
export type OrtSessionFactory = (model: Uint8Array, options: OrtSessionOptions, source: string) => Promise<OrtSessionLike>;

function signatureOf(meta: readonly ort.InferenceSession.ValueMetadata[] | undefined, names: readonly string[]): GraphSignature['inputs'] {
  if (!meta) return names.map((name) => ({ name }));
  return meta.map((m) => (m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: 'non-tensor' }));
}

function asFloat32(v: ort.OnnxValue | undefined, name: string): OrtOutput {
  if (!v || !(v.data instanceof Float32Array)) throw new AtlasError('invalid_model', `the model returned no float32 output "${name}"`);
  return { data: v.data, dims: [...v.dims] };
}

async function openNativeSession(model: Uint8Array, options: OrtSessionOptions, source: string): Promise<{ session: ort.InferenceSession; signature: GraphSignature }> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model, {
      executionProviders: ['cpu'],
      intraOpNumThreads: options.intraOpThreads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
  } catch (err) {
    throw new AtlasError('invalid_model', `${source}: onnxruntime cannot load it (${(err as Error).message.split('\n')[0]})`);
  }
  const signature: GraphSignature = {
    inputs: signatureOf(session.inputMetadata, session.inputNames),
    outputs: signatureOf(session.outputMetadata, session.outputNames),
  };
  return { session, signature };
}

/** The onnxruntime-node (CPU) session factory. */
export const createOrtSession: OrtSessionFactory = async (model, options, source) => {
  const { session, signature } = await openNativeSession(model, options, source);
  return {
    signature,
    async run(input, n, dim) {
      const out = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', input, [n, dim]) });
      return { blocks: asFloat32(out[OUTPUT_BLOCKS], OUTPUT_BLOCKS), full: asFloat32(out[OUTPUT_FULL], OUTPUT_FULL) };
    },
    release: () => session.release(),
  };
};

/** What the expression encoder needs from an inference session: one input matrix, one output matrix. */
export interface EncoderSessionLike {
  readonly signature: GraphSignature;
  /** Runs `n` rows of `dim` values (already validated) through the encoder's single input. */
  run(input: Float32Array, n: number, dim: number): Promise<OrtOutput>;
  release(): Promise<void>;
}

export type EncoderSessionFactory = (model: Uint8Array, options: OrtSessionOptions, source: string) => Promise<EncoderSessionLike>;

/** The onnxruntime-node (CPU) session factory of expression encoders. */
export const createOrtEncoderSession: EncoderSessionFactory = async (model, options, source) => {
  const { session, signature } = await openNativeSession(model, options, source);
  return {
    signature,
    async run(input, n, dim) {
      const out = await session.run({ [ENCODER_INPUT]: new ort.Tensor('float32', input, [n, dim]) });
      return asFloat32(out[ENCODER_OUTPUT], ENCODER_OUTPUT);
    },
    release: () => session.release(),
  };
};
