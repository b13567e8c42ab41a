/**
 * A SCimilarity-layout model folder with random weights (written by fixtures/make_scimilarity_folder.py) and
 * its exported encoder, made once per test process; plus seeded counts of a few synthetic cell types.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { projectPath } from '../../common/index.js';
import { createRng as createAtlasRng } from '../../atlas/index.js';
import { exportEncoder, pythonPath, type ExportEncoderResult } from '../../adapter/index.js';
import { tempDir } from './helpers.js';

export const FIXTURE_GENES = 300;
/** Genes per synthetic cell type's programme (type t: genes [t·P, (t+1)·P)). */
export const PROGRAM_GENES = 60;

export function runFixtureScript(script: string, args: readonly string[]): void {
  const r = spawnSync(pythonPath(), ['-W', 'ignore', projectPath('test', 'adapter', 'fixtures', script), ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${script} failed: ${r.stderr}`);
}

export interface EncoderFixture {
  readonly dir: string;
  readonly modelDir: string;
  readonly encoderPath: string;
  readonly export: ExportEncoderResult;
  readonly lines: readonly string[];
}

let cached: Promise<EncoderFixture> | null = null;

/** The random-weight folder (300 genes → 64 → 64 → 128) and its exported, parity-checked encoder. */
export function encoderFixture(): Promise<EncoderFixture> {
  cached ??= (async () => {
    const dir = tempDir('encoder');
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const modelDir = join(dir, 'model_v1.1');
    runFixtureScript('make_scimilarity_folder.py', [modelDir, '--genes', String(FIXTURE_GENES), '--hidden', '64,64', '--latent', '128']);
    const encoderPath = join(dir, 'encoder.onnx');
    const lines: string[] = [];
    const result = await exportEncoder({ scimilarityDir: modelDir, out: encoderPath, onLine: (l) => lines.push(l) });
    return { dir, modelDir, encoderPath, export: result, lines };
  })();
  return cached;
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
