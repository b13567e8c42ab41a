import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openAdapter, pythonPath } from '../../adapter/index.js';
import { createRng } from '../../common/index.js';
import { SHARED_OBO_PATH, projectPath } from '../../common/index.js';
import { runCliInProcess } from '../support/run-cli.js';
import { TORCH_SKIP, tempDir } from './helpers.js';

const dir = tempDir('train-small');
after(() => rmSync(dir, { recursive: true, force: true }));
const SKIP = TORCH_SKIP || (!existsSync(SHARED_OBO_PATH) && 'no shared cl-basic.obo');

// Two lineages, four subtypes: what a small user reference looks like after `import`.
const TYPES = ['CD4-positive, alpha-beta T cell', 'CD8-positive, alpha-beta T cell', 'classical monocyte', 'non-classical monocyte'];

function cli(args: string[]) {
  return runCliInProcess(args);
}

/** A 500-cell, 50-d reference CSV: subtype centres near their lineage's, Gaussian noise. */
function writeReference(path: string, cells: number, dim: number): void {
  const rng = createRng(5);
  const gauss = () => rng.gaussian();
  const lineage = [0, 1].map(() => Array.from({ length: dim }, () => 2 * gauss()));
  const centres = TYPES.map((_, t) => lineage[t >> 1]!.map((v) => v + gauss()));
  const lines = [['cell_id', 'cell_type', ...Array.from({ length: dim }, (_, k) => `pc${k + 1}`)].join(',')];
  for (let i = 0; i < cells; i++) {
    const t = i % TYPES.length;
    lines.push([`c${i}`, `"${TYPES[t]}"`, ...centres[t]!.map((v) => (v + 1.2 * gauss()).toFixed(4))].join(','));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

test('a 500-cell 50-d reference trains (5 heads), and never loses to raw silently', { skip: SKIP }, async () => {
  const csv = join(dir, 'ref.csv');
  writeReference(csv, 500, 50);
  const atlas = join(dir, 'ref.parquet');
  const imp = await cli(['import', '--in', csv, '--label-column', 'cell_type', '--id-column', 'cell_id', '--obo', SHARED_OBO_PATH, '--out', atlas]);
  assert.equal(imp.status, 0, imp.stderr);
  const out = join(dir, 'small.onnx');
  const metrics = join(dir, 'metrics.json');
  const r = await cli(['train', '--in', atlas, '--out', out, '--num-levels', '4', '--scale-dim', '8', '--epochs', '3', '--threads', '1', '--metrics-out', metrics, '--require-gain']);
  assert.match(r.stdout, /recipe batch 32, lr 0\.001, up to 3 epochs, .*5 attention heads/);
  const perLevel = [...r.stdout.matchAll(/^ {2}(level\d_\w+) +raw (\d\.\d+) +fractal (\d\.\d+) \(prefix (\d)\)/gm)];
  assert.equal(perLevel.length, 4, r.stdout);
  const worse = perLevel.filter((m) => Number(m[3]) < Number(m[2])).map((m) => m[1]!);
  const warning = /^warning: the adapter is worse than the raw embeddings at (.*); .*--adapter identity/m.exec(r.stdout);
  if (worse.length > 0) {
    // the loss is said, and --require-gain fails without writing the adapter
    assert.ok(warning, r.stdout);
    for (const level of worse) assert.ok(warning[1]!.includes(level), `${level} missing from ${warning[0]}`);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^fractal-atlas: .*worse than the raw embeddings at .*--require-gain/);
    assert.ok(!existsSync(out));
  } else {
    assert.equal(warning, null, 'a warning without a level that lost');
    assert.equal(r.status, 0, r.stderr);
    const a = await openAdapter(out);
    assert.equal(a.inputDim, 50);
    assert.equal(a.metadata?.recipe.num_heads, 5);
    await a.close();
    const report = JSON.parse(readFileSync(metrics, 'utf8'));
    assert.equal(report.recipe.batch_size, 32);
  }
});

test('scaled recipe and the loss check (adapter/python/recipe.py)', { skip: TORCH_SKIP }, () => {
  const code = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(projectPath('adapter', 'python'))})`,
    'from recipe import choose_num_heads, scaled_recipe, losses_to_raw',
    'print(json.dumps({"heads": [choose_num_heads(d) for d in (128, 50, 53, 12)],',
    '  "small": scaled_recipe(425), "large": scaled_recipe(85000), "given": scaled_recipe(425, 64, 0.01, 7, 2),',
    '  "worse": losses_to_raw([0.9, 0.8], [0.95, 0.7], ["a", "b"])}))',
  ].join('\n');
  const r = spawnSync(pythonPath(), ['-c', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  assert.deepEqual(got.heads, [8, 5, 1, 6]);
  assert.deepEqual(got.small, [32, 0.001, 154, 30]);
  assert.deepEqual(got.large, [256, 0.0001, 20, 5]);
  assert.deepEqual(got.given, [64, 0.01, 7, 2]);
  assert.deepEqual(got.worse, [['b', 0.7, 0.8]]);
});
