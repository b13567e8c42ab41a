import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isAtlasError, projectPath } from '../../common/index.js';
import { openAdapter, prefixEmbedding, pythonPath, readNpy, runPythonScript } from '../../adapter/index.js';
import { TORCH_SKIP, maxAbsDiff, tempDir } from './helpers.js';
import { spawnSync } from 'node:child_process';

const TOL = 1e-4;
const FIXTURE = projectPath('test', 'adapter', 'fixtures', 'make_parity_fixture.py');

/** The reference FractalHeadV5's state-dict keys (module names of its __init__), for a 2-scale head. */
const REFERENCE_KEYS = [
  'attn.in_proj_bias', 'attn.in_proj_weight', 'attn.out_proj.bias', 'attn.out_proj.weight',
  'ffn.0.bias', 'ffn.0.weight', 'ffn.3.bias', 'ffn.3.weight', 'ffn_norm.bias', 'ffn_norm.weight',
  'final_norm.bias', 'final_norm.weight', 'head_leaf.0.bias', 'head_leaf.0.weight', 'head_leaf.1.bias',
  'head_leaf.1.weight', 'head_top.0.bias', 'head_top.0.weight', 'head_top.1.bias', 'head_top.1.weight',
  'input_proj.bias', 'input_proj.weight', 'norm.bias', 'norm.weight',
  'scale_projs.0.0.bias', 'scale_projs.0.0.weight', 'scale_projs.0.1.bias', 'scale_projs.0.1.weight',
  'scale_projs.1.0.bias', 'scale_projs.1.0.weight', 'scale_projs.1.1.bias', 'scale_projs.1.1.weight',
].sort();

let fixtureDir: string | null = null;
function fixture(): string {
  if (fixtureDir) return fixtureDir;
  const dir = tempDir('parity');
  const r = spawnSync(pythonPath(), ['-W', 'ignore', FIXTURE, dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, `fixture script failed: ${r.stderr}`);
  fixtureDir = dir;
  return dir;
}

async function npy(dir: string, name: string): Promise<Float32Array> {
  const { data } = await readNpy(join(dir, name));
  assert.ok(data instanceof Float32Array);
  return data;
}

test('parity: a randomly initialised head, onnxruntime-node vs PyTorch', { skip: TORCH_SKIP }, async () => {
  const dir = fixture();
  const x = await npy(dir, 'x.npy');
  const a = await openAdapter(join(dir, 'random.onnx'), { batchSize: 16 });
  assert.equal(a.inputDim, 64);
  assert.equal(a.numScales, 3);
  assert.equal(a.scaleDim, 16);
  assert.deepEqual(a.metadata?.vocabularies[0], ['a', 'b', 'c', 'd']);
  const r = await a.embed(x, 37);
  const dBlocks = maxAbsDiff(r, await npy(dir, 'random_blocks.npy'));
  assert.ok(dBlocks <= TOL, `blocks differ by ${dBlocks}`);
  await a.close();
});

test('parity: a checkpoint in the reference train.py layout converts with export.py', { skip: TORCH_SKIP }, async () => {
  const dir = fixture();
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'state_dict_keys.json'), 'utf8')), REFERENCE_KEYS);
  const out = join(dir, 'seed.onnx');
  const lines: string[] = [];
  await runPythonScript('export.py', ['--checkpoint', join(dir, 'seed.pt'), '--out', out], { onLine: (l) => lines.push(l) });
  assert.match(lines.join('\n'), /exported .*seed\.pt/);
  const a = await openAdapter(out);
  assert.equal(a.numScales, 2);
  assert.equal(a.scaleDim, 24);
  assert.deepEqual(a.metadata?.levelColumns, ['level1_system', 'level2_lineage']);
  assert.deepEqual(a.metadata?.vocabularies[1], ['B cell', 'T cell', 'fibroblast', 'glia', 'neuron']);
  assert.match(a.metadata?.fingerprint ?? '', /^checkpoint-sha256:[0-9a-f]{64}$/);
  const x = await npy(dir, 'x.npy');
  const r = await a.embed(x, 37);
  const dBlocks = maxAbsDiff(r, await npy(dir, 'seed_blocks.npy'));
  const dPrefix = maxAbsDiff(prefixEmbedding(r, 37, a.numScales, a.scaleDim, 1), await npy(dir, 'seed_prefix1.npy'));
  assert.ok(dBlocks <= TOL && dPrefix <= TOL, `max abs diff blocks ${dBlocks}, prefix1 ${dPrefix}`);
  await a.close();
});

test('export.py refuses a file that is not a reference checkpoint', { skip: TORCH_SKIP }, async () => {
  const dir = fixture();
  await assert.rejects(
    runPythonScript('export.py', ['--checkpoint', join(dir, 'x.npy'), '--out', join(dir, 'bad.onnx')], { onLine: () => {} }),
    (e) => isAtlasError(e, 'training_failed') && /export\.py failed/.test((e as Error).message),
  );
});
