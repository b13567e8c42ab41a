/**
 * `exportEncoder`: a SCimilarity model folder → encoder ONNX (adapter/python/export_encoder.py with Debian's
 * PyTorch), then the parity check that makes the file trustworthy: onnxruntime-node on seeded counts
 * against PyTorch's embeddings of the same counts along SCimilarity's own path (lognorm, eager encoder).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtlasError } from '../common/index.js';
import { alignedFromDense } from './aligned-counts.js';
import type { EncoderMetadata } from './encoder-contract.js';
import { loadEncoder } from './encoder.js';
import { readNpy } from './npy.js';
import { pythonPath, requireTorch, runPythonScript } from './python-env.js';

/** Largest |onnxruntime − PyTorch| accepted on any embedding value. */
export const ENCODER_PARITY_TOLERANCE = 1e-5;

export interface ExportEncoderOptions {
  readonly scimilarityDir: string;
  readonly out: string;
  /** The encoder was trained with residual connections (SCimilarity's `residual=True`). */
  readonly residual?: boolean;
  readonly threads?: number;
  readonly onLine?: (line: string) => void;
}

export interface EncoderParity {
  readonly cells: number;
  readonly maxAbsDiff: number;
}

export interface ExportEncoderResult {
  readonly metadata: EncoderMetadata;
  readonly parity: EncoderParity;
}

/** Runs the parity fixture of `dir` (counts.npy, expected.npy) through the encoder file `onnx`. */
async function measureEncoderParity(onnx: string, dir: string): Promise<EncoderParity & { metadata: EncoderMetadata }> {
  const counts = await readNpy(join(dir, 'counts.npy'));
  const expected = await readNpy(join(dir, 'expected.npy'));
  if (!(counts.data instanceof Float32Array) || !(expected.data instanceof Float32Array)) throw new AtlasError('internal', 'parity fixture is not float32');
  const [n, G] = counts.shape as [number, number];
  const encoder = await loadEncoder(onnx, { batchSize: 16 });
  try {
    const got = await encoder.encode(alignedFromDense(counts.data, n, G));
    if (got.length !== expected.data.length) throw new AtlasError('invalid_model', `${onnx}: ${got.length / n} output dims, PyTorch gave ${expected.data.length / n}`);
    let maxAbsDiff = 0;
    for (let i = 0; i < got.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(got[i]! - expected.data[i]!));
    return { cells: n, maxAbsDiff, metadata: encoder.metadata };
  } finally {
    await encoder.close();
  }
}

/** The files export_encoder.py reads from a SCimilarity model folder. */
const SCIMILARITY_MODEL_FILES = ['encoder.ckpt', 'gene_order.tsv', 'layer_sizes.json'] as const;

/** Exports and checks; a file failing parity is deleted and the export fails. */
export async function exportEncoder(options: ExportEncoderOptions): Promise<ExportEncoderResult> {
  for (const name of SCIMILARITY_MODEL_FILES) {
    const ok = await stat(join(options.scimilarityDir, name)).then((s) => s.isFile(), () => false);
    if (!ok) throw new AtlasError('file_not_found', `${options.scimilarityDir} is not a SCimilarity model folder: ${name} is missing`);
  }
  const python = pythonPath();
  requireTorch(python);
  const dir = await mkdtemp(join(tmpdir(), 'fractal-atlas-encoder-'));
  try {
    const args = ['--scimilarity-dir', options.scimilarityDir, '--out', options.out, '--parity-dir', dir, '--threads', String(options.threads ?? 2)];
    if (options.residual) args.push('--residual');
    await runPythonScript('export_encoder.py', args, { python, onLine: options.onLine });
    const p = await measureEncoderParity(options.out, dir);
    if (!(p.maxAbsDiff <= ENCODER_PARITY_TOLERANCE)) {
      await rm(options.out, { force: true });
      throw new AtlasError('invalid_model', `parity check failed: onnxruntime and PyTorch differ by ${p.maxAbsDiff} (> ${ENCODER_PARITY_TOLERANCE}) on ${p.cells} cells; ${options.out} was removed`);
    }
    return { metadata: p.metadata, parity: { cells: p.cells, maxAbsDiff: p.maxAbsDiff } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
