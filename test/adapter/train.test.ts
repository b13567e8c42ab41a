import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openAdapter } from '../../adapter/index.js';
import { runCliInProcess } from '../support/run-cli.js';
import { TORCH_SKIP, tempDir } from './helpers.js';

function cli(args: string[], env: Record<string, string | undefined> = {}) {
  return runCliInProcess(args, env);
}

test('end to end: demo atlas → train 2 epochs → a loadable ONNX adapter', { skip: TORCH_SKIP }, async () => {
  const dir = tempDir('train');
  const atlas = join(dir, 'demo.parquet');
  const gen = await cli(['demo-atlas', '--cells', '1500', '--seed', '3', '--out', atlas]);
  assert.equal(gen.status, 0, gen.stderr);
  const out = join(dir, 'adapter.onnx');
  const metrics = join(dir, 'metrics.json');
  const r = await cli(['train', '--in', atlas, '--out', out, '--num-levels', '3', '--scale-dim', '8', '--epochs', '2',
    '--batch-size', '128', '--threads', '1', '--metrics-out', metrics]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /epoch 1\/2 .*held-out 5-NN: level1_system=0\.\d+/);
  assert.match(r.stdout, /epoch 2\/2 /);
  assert.match(r.stdout, /raw +level1_system=/);
  assert.match(r.stdout, /contract checked/);
  const report = JSON.parse(readFileSync(metrics, 'utf8'));
  assert.equal(report.history.length, 2);
  assert.equal(report.recipe.prefix_weight, 0.6);
  assert.deepEqual(report.recipe.prefix_probs, [0.45, 0.35, 0.2]);

  const a = await openAdapter(out);
  assert.equal(a.inputDim, 128);
  assert.equal(a.numScales, 3);
  assert.equal(a.scaleDim, 8);
  assert.deepEqual(a.metadata?.levelColumns, ['level1_system', 'level2_lineage', 'level3_type']);
  assert.match(a.metadata?.fingerprint ?? '', /^sha256:[0-9a-f]{64}$/);
  assert.equal(a.metadata?.recipe.epochs_run, 2);
  const x = Float32Array.from({ length: 5 * 128 }, (_, i) => Math.sin(i));
  const e = await a.embed(x, 5);
  assert.equal(e.length, 5 * 24);
  assert.ok(e.every(Number.isFinite), 'finite blocks');
  assert.notDeepEqual(e.subarray(0, 24), e.subarray(24, 48), 'different cells, different embeddings');
  assert.deepEqual(a.levelColumns, ['level1_system', 'level2_lineage', 'level3_type']);
  await a.close();
});

test('train reports a missing PyTorch in one readable line', async () => {
  const r = await cli(['train', '--in', 'whatever.parquet', '--out', join(tempDir('train'), 'x.onnx')], { FRACTAL_ATLAS_PYTHON: '/nonexistent/python3' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^fractal-atlas: cannot run \/nonexistent\/python3 .*python3-torch/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('export-training-set and train check their arguments and input file', async () => {
  const dir = tempDir('train');
  const missing = await cli(['export-training-set', '--in', join(dir, 'none.parquet'), '--out', join(dir, 'b')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^fractal-atlas: atlas file not found/);
  assert.equal(existsSync(join(dir, 'b', 'bundle.json')), false);
  const noOut = await cli(['train', '--in', join(dir, 'none.parquet')]);
  assert.equal(noOut.status, 2);
  assert.match(noOut.stderr, /--out is required/);
  const badLevels = await cli(['train', '--in', 'a', '--out', 'b', '--num-levels', '5']);
  assert.equal(badLevels.status, 2);
  assert.match(badLevels.stderr, /--num-levels must be an integer in \[2, 4\]/);
});
