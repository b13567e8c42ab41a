/**
 * The committed SCimilarity-layout model folder with random weights (test/fixtures/scimilarity-tiny, written by
 * fixtures/make_scimilarity_folder.py with its defaults) and its committed export
 * (test/fixtures/scimilarity-tiny-encoder.onnx): tests that only need an encoder use them without Python;
 * `exportedEncoder()` exports the folder again with today's exporter, and encoder.test checks that the committed
 * file still embeds exactly as a fresh export does. Plus seeded counts of a few synthetic cell types.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { projectPath } from '../../common/index.js';
import { createRng as createAtlasRng } from '../../common/index.js';
import { exportEncoder, pythonPath, readEncoderMetadata, type EncoderMetadata, type ExportEncoderResult } from '../../adapter/index.js';
import { tempDir } from './helpers.js';

export const FIXTURE_GENES = 300;
/** Genes per synthetic cell type's programme (type t: genes [t·P, (t+1)·P)). */
export const PROGRAM_GENES = 60;

export function runFixtureScript(script: string, args: readonly string[]): void {
  const r = spawnSync(pythonPath(), ['-W', 'ignore', projectPath('test', 'adapter', 'fixtures', script), ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${script} failed: ${r.stderr}`);
}

export interface EncoderFixture {
  /** A fresh temp folder for the test process's own files (removed at exit). */
  readonly dir: string;
  readonly modelDir: string;
  readonly encoderPath: string;
  readonly metadata: EncoderMetadata;
}

export interface ExportedEncoder extends EncoderFixture {
  readonly export: ExportEncoderResult;
  readonly lines: readonly string[];
}

const COMMITTED_MODEL_DIR = projectPath('test', 'fixtures', 'scimilarity-tiny');
const COMMITTED_ENCODER = projectPath('test', 'fixtures', 'scimilarity-tiny-encoder.onnx');

function processTempDir(name: string): string {
  const dir = tempDir(name);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let committed: Promise<EncoderFixture> | null = null;
let exported: Promise<ExportedEncoder> | null = null;

/** The committed folder (300 genes → 64 → 64 → 128) and its committed encoder; no Python needed. */
export function encoderFixture(): Promise<EncoderFixture> {
  committed ??= (async () => ({ dir: processTempDir('encoder'), modelDir: COMMITTED_MODEL_DIR, encoderPath: COMMITTED_ENCODER, metadata: await readEncoderMetadata(COMMITTED_ENCODER) }))();
  return committed;
}

/** The committed folder exported now, parity-checked against PyTorch (needs Debian's torch). */
export function exportedEncoder(): Promise<ExportedEncoder> {
  exported ??= (async () => {
    const dir = processTempDir('encoder-export');
    const encoderPath = join(dir, 'encoder.onnx');
    const lines: string[] = [];
    const result = await exportEncoder({ scimilarityDir: COMMITTED_MODEL_DIR, out: encoderPath, onLine: (l) => lines.push(l) });
    return { dir, modelDir: COMMITTED_MODEL_DIR, encoderPath, metadata: result.metadata, export: result, lines };
  })();
  return exported;
}

/** Counts of one cell of type t (0..3) over the model's genes, in model order: its programme high, others low. */
export function cellCounts(t: number, r: () => number): Float32Array {
  const out = new Float32Array(FIXTURE_GENES);
  for (let g = 0; g < FIXTURE_GENES; g++) {
    const inProgram = Math.floor(g / PROGRAM_GENES) === t;
    const rate = inProgram ? 8 : 0.3;
    // Poisson by inversion (rates are small).
    let k = 0;
    let p = Math.exp(-rate);
    let s = p;
    const u = r();
    while (u > s && k < 200) {
      k++;
      p *= rate / k;
      s += p;
    }
    out[g] = k;
  }
  return out;
}

/** A seeded uniform draw in [0, 1) (the atlas's generator). */
export function createRng(seed: number): () => number {
  const rng = createAtlasRng(seed);
  return () => rng.uniform();
}
