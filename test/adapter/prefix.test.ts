import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAtlasError } from '../../common/index.js';
import { IDENTITY_ADAPTER, l2NormalizeRows, openAdapter, prefixEmbedding } from '../../adapter/index.js';

// 2 cells, 3 scales of 2 dims
const blocks = new Float32Array([3, 4, 0, 0, 1, 1, /* cell 2 */ 0, 0, 0, 2, 2, 1]);

test('prefix j keeps the first j·d dims of each row and L2-normalises them', () => {
  const p1 = prefixEmbedding(blocks, 2, 3, 2, 1);
  assert.deepEqual([...p1].map((v) => +v.toFixed(6)), [0.6, 0.8, 0, 0]); // cell 2's first block is zero and stays zero
  const p2 = prefixEmbedding(blocks, 2, 3, 2, 2);
  assert.deepEqual([...p2].map((v) => +v.toFixed(6)), [0.6, 0.8, 0, 0, 0, 0, 0, 1]);
  const p3 = prefixEmbedding(blocks, 2, 3, 2, 3);
  const s = Math.sqrt(27);
  assert.deepEqual([...p3].map((v) => +v.toFixed(6)), [3, 4, 0, 0, 1, 1].map((v) => +(v / s).toFixed(6)).concat([0, 0, 0, 2 / 3, 2 / 3, 1 / 3].map((v) => +v.toFixed(6))));
});

test('prefix equals the seed get_prefix_embedding: dot products match the zero-padded form', () => {
  const p1 = prefixEmbedding(blocks, 2, 3, 2, 2);
  // the padded seed vector has the same non-zero part; its norm is 1 either way
  for (let i = 0; i < 2; i++) {
    const row = p1.subarray(i * 4, i * 4 + 4);
    const norm = Math.hypot(...row);
    assert.ok(norm === 0 || Math.abs(norm - 1) < 1e-6);
  }
});

test('prefix length and shapes are checked', () => {
  assert.throws(() => prefixEmbedding(blocks, 2, 3, 2, 0), (e) => isAtlasError(e, 'invalid_argument'));
  assert.throws(() => prefixEmbedding(blocks, 2, 3, 2, 4), (e) => isAtlasError(e, 'invalid_argument'));
  assert.throws(() => prefixEmbedding(blocks, 2, 3, 2, 1.5), (e) => isAtlasError(e, 'invalid_argument'));
  assert.throws(() => prefixEmbedding(blocks, 3, 3, 2, 1), (e) => isAtlasError(e, 'wrong_dimension'));
  assert.throws(() => l2NormalizeRows(blocks, 2, 6, 7), (e) => isAtlasError(e, 'invalid_argument'));
});

test('identity adapter: blocks are the input, every level on prefix 1', async () => {
  const id = await openAdapter(IDENTITY_ADAPTER, { inputDim: 3 });
  const x = new Float32Array([1, 2, 2, 0, 0, 5]);
  const r = await id.embed(x, 2);
  assert.equal(id.identity, true);
  assert.equal(id.numScales, 1);
  assert.equal(id.outputDim, 3);
  assert.deepEqual([...r], [...x]);
  assert.notEqual(r, x, 'a copy, not the caller buffer');
  assert.deepEqual(id.levelPrefix, { level1_system: 1, level2_lineage: 1, level3_type: 1, level4_subtype: 1 });
  assert.deepEqual([...prefixEmbedding(r, 2, 1, 3, 1)].map((v) => +v.toFixed(6)), [1 / 3, 2 / 3, 2 / 3, 0, 0, 1].map((v) => +v.toFixed(6)));
  await assert.rejects(id.embed(new Float32Array([1, 2]), 1), (e) => isAtlasError(e, 'wrong_dimension'));
  await assert.rejects(id.embed(new Float32Array([1, NaN, 2]), 1), (e) => isAtlasError(e, 'non_finite'));
  await assert.rejects(openAdapter(IDENTITY_ADAPTER, { inputDim: 0 }), (e) => isAtlasError(e, 'invalid_argument'));
  await assert.rejects(openAdapter(IDENTITY_ADAPTER), (e) => isAtlasError(e, 'invalid_argument'));
});
