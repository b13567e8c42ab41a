import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAtlasError } from '../../common/index.js';
import { cosineSilhouette, percentile, recallAtK, steerability } from '../../eval/index.js';

/** Reference silhouette: a direct transcription of the definition (per row a, b, s), no shortcuts. */
function naiveSilhouette(rows: number[][], labels: number[]): number {
  const cos = (a: number[], b: number[]) => {
    const dot = a.reduce((s, v, i) => s + v * b[i], 0);
    const na = Math.hypot(...a);
    const nb = Math.hypot(...b);
    return 1 - dot / (na * nb);
  };
  const s = rows.map((x, i) => {
    const same = rows.filter((_, j) => j !== i && labels[j] === labels[i]);
    if (same.length === 0) return 0;
    const a = same.reduce((acc, y) => acc + cos(x, y), 0) / same.length;
    const others = [...new Set(labels)].filter((l) => l !== labels[i]);
    const b = Math.min(...others.map((l) => {
      const ys = rows.filter((_, j) => labels[j] === l);
      return ys.reduce((acc, y) => acc + cos(x, y), 0) / ys.length;
    }));
    return (b - a) / Math.max(a, b);
  });
  return s.reduce((a, b) => a + b, 0) / s.length;
}

test('cosine silhouette matches the definition on a small mixed sample', () => {
  const rows = [[1, 0.1, 0], [0.9, 0.2, 0.1], [0.1, 1, 0], [0.2, 0.8, 0.3], [0, 0.1, 1], [0.5, 0.5, 0.1], [0.3, 0.1, 0.9]];
  const labels = [0, 0, 1, 1, 2, 1, 2];
  const got = cosineSilhouette(Float32Array.from(rows.flat()), 3, labels);
  assert.ok(Math.abs(got - naiveSilhouette(rows, labels)) < 1e-6, `got ${got}`);
});

test('silhouette: well separated clusters score near 1, a singleton cluster counts 0', () => {
  const rows = [[1, 0], [1, 0.01], [0, 1], [0.01, 1]];
  const s = cosineSilhouette(Float32Array.from(rows.flat()), 2, [0, 0, 1, 1]);
  assert.ok(s > 0.99, `got ${s}`);
  // Row 3 alone in cluster 2 contributes 0; the other three are still well placed.
  const s2 = cosineSilhouette(Float32Array.from([1, 0, 1, 0.01, 0, 1, 0.01, 1].concat([0.5, 0.5])), 2, [0, 0, 1, 1, 2]);
  assert.ok(s2 < s && s2 > 0, `got ${s2}`);
  // Scale invariance: cosine ignores norms.
  const s3 = cosineSilhouette(Float32Array.from([5, 0, 1, 0.01, 0, 3, 0.01, 1]), 2, [0, 0, 1, 1]);
  assert.ok(Math.abs(s3 - s) < 1e-9);
});

test('silhouette rejects a single cluster and mismatched lengths', () => {
  assert.throws(() => cosineSilhouette(new Float32Array([1, 0, 0, 1]), 2, [0, 0]), (e) => isAtlasError(e, 'invalid_argument'));
  assert.throws(() => cosineSilhouette(new Float32Array([1, 0, 0, 1]), 2, [0]), (e) => isAtlasError(e, 'invalid_argument'));
  assert.throws(() => cosineSilhouette(new Float32Array([1, 0, 0]), 2, [0, 1]), (e) => isAtlasError(e, 'wrong_dimension'));
});

test('steerability is (L1@p1 − L1@full) + (Leaf@full − Leaf@p1)', () => {
  assert.ok(Math.abs(steerability({ coarseAtPrefix1: 0.95, coarseAtFull: 0.93, leafAtPrefix1: 0.6, leafAtFull: 0.8 }) - 0.22) < 1e-12);
  // A prefix worse at the coarse level and better at the leaf steers the wrong way.
  assert.ok(steerability({ coarseAtPrefix1: 0.9, coarseAtFull: 0.95, leafAtPrefix1: 0.8, leafAtFull: 0.7 }) < 0);
  assert.equal(steerability({ coarseAtPrefix1: 0.9, coarseAtFull: 0.9, leafAtPrefix1: 0.7, leafAtFull: 0.7 }), 0);
  assert.throws(() => steerability({ coarseAtPrefix1: NaN, coarseAtFull: 0.9, leafAtPrefix1: 0.7, leafAtFull: 0.7 }), (e) => isAtlasError(e, 'invalid_argument'));
});

test('recall@k counts overlaps per query, ignores order and empty slots', () => {
  const truth = Int32Array.from([1, 2, 3, 4, 5, 6]);
  assert.equal(recallAtK(Int32Array.from([3, 2, 1, 6, 5, 4]), truth, 3), 1);
  assert.equal(recallAtK(Int32Array.from([1, 9, -1, 4, 5, 7]), truth, 3), 3 / 6);
  // A duplicated hit is one hit, not two.
  assert.equal(recallAtK(Int32Array.from([1, 1, 1, 4, 4, 4]), truth, 3), 2 / 6);
  assert.throws(() => recallAtK(Int32Array.from([1, 2]), truth, 3), (e) => isAtlasError(e, 'invalid_argument'));
});

test('percentile interpolates between ranks like numpy', () => {
  const v = [10, 1, 4, 3, 2];
  assert.equal(percentile(v, 50), 3);
  assert.equal(percentile(v, 0), 1);
  assert.equal(percentile(v, 100), 10);
  assert.ok(Math.abs(percentile(v, 90) - 7.6) < 1e-12);
  assert.throws(() => percentile([], 50), (e) => isAtlasError(e, 'invalid_argument'));
});
