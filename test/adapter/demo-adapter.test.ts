import assert from 'node:assert/strict';
import { test } from 'node:test';
import { projectPath, LEVEL_COLUMNS } from '../../common/index.js';
import { openAdapter } from '../../adapter/index.js';
// Removes the files onnxruntime leaves in the temp dir once this file's tests are done.
import '../support/temp-dir.js';

test('the committed demo adapter honours the contract and carries its held-out table', async () => {
  const a = await openAdapter(projectPath('models', 'demo-adapter.onnx'), { batchSize: 3 });
  assert.equal(a.inputDim, 128);
  assert.equal(a.numScales, 4);
  assert.equal(a.scaleDim, 32);
  assert.deepEqual(a.metadata?.levelColumns, [...LEVEL_COLUMNS]);
  assert.equal(a.metadata?.vocabularies.length, 4);
  assert.match(a.metadata?.fingerprint ?? '', /^sha256:[0-9a-f]{64}$/);
  const acc = (a.metadata?.validation as { accuracy: Record<string, number[]> } | null)?.accuracy;
  assert.ok(acc, 'validation metadata present');
  for (let l = 0; l < 4; l++) assert.ok(acc.full[l] >= acc.raw[l], `full ≥ raw at level ${l}`);

  const n = 7;
  const x = Float32Array.from({ length: n * 128 }, (_, i) => Math.cos(i * 0.37));
  const r = await a.embed(x, n);
  assert.equal(r.length, n * 128);
  assert.ok(r.every(Number.isFinite));
  assert.deepEqual(a.levelPrefix, { level1_system: 1, level2_lineage: 2, level3_type: 3, level4_subtype: 4 }, 'scale i serves level i');
  // batching does not change results
  const one = await a.embed(x.subarray(6 * 128), 1);
  for (let c = 0; c < 128; c++) assert.ok(Math.abs(one[c]! - r[6 * 128 + c]!) < 1e-5);
  await a.close();
});
