import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAtlasError } from '../../common/index.js';
import { evaluateKnnAccuracy, findCosineNeighbors, scoreCodes, voteNeighbors } from '../../eval/index.js';

// Six 2-d points at known angles (radians): class 0 at 0, 0.04, 0.1; class 1 at 1.5, 1.46, 1.4. Lengths
// differ on purpose: cosine ignores them. Angular gaps fix every neighbour order by hand.
const ANGLES = [0, 0.04, 0.1, 1.5, 1.46, 1.4];
const POINTS = new Float32Array(ANGLES.flatMap((a, i) => [(i + 1) * Math.cos(a), (i + 1) * Math.sin(a)]));

test('neighbours are ranked by cosine, leave-one-out, lower index first on ties', () => {
  const t = findCosineNeighbors(POINTS, 2, 2);
  const rows = [0, 1, 2, 3, 4, 5].map((i) => [...t.indices.subarray(i * 2, i * 2 + 2)]);
  assert.deepEqual(rows, [[1, 2], [0, 2], [1, 0], [4, 5], [3, 5], [4, 3]]);
  for (let i = 0; i < 6; i++) assert.ok(![...t.indices.subarray(i * 2, i * 2 + 2)].includes(i));
  // Exact ties: four identical vectors; row 3's neighbours must be 0, 1, 2 in index order.
  const same = new Float32Array([0.6, 0.8, 0.6, 0.8, 0.6, 0.8, 0.6, 0.8]);
  assert.deepEqual([...findCosineNeighbors(same, 2, 3).indices.subarray(9, 12)], [0, 1, 2]);
  assert.ok(Math.abs(findCosineNeighbors(same, 2, 3).similarities[0] - 1) < 1e-6);
});

test('separable classes score 1.0; one flipped label costs exactly that row', () => {
  const clean = evaluateKnnAccuracy({ embeddings: POINTS, dim: 2, levels: [[0, 0, 0, 1, 1, 1]], k: 2 });
  assert.equal(clean.levels[0].accuracy, 1);
  assert.equal(clean.levels[0].macroF1, 1);
  // Row 5 labelled 0 although it sits with class 1: its neighbours (4, 3) vote 1 → wrong. Rows 3 and 4
  // see one 1 and one 0 (row 5): a tie that the closer neighbour (4, resp. 3, labelled 1) wins.
  const noisy = evaluateKnnAccuracy({ embeddings: POINTS, dim: 2, levels: [[0, 0, 0, 1, 1, 0]], k: 2, levelNames: ['x'] });
  assert.equal(noisy.levels[0].level, 'x');
  const votes = voteNeighbors(findCosineNeighbors(POINTS, 2, 2), [0, 0, 0, 1, 1, 0]);
  const expected = [0, 0, 0, 1, 1, 1];
  assert.deepEqual([...votes], expected);
  assert.equal(noisy.levels[0].accuracy, 5 / 6);
});

test('a tied vote goes to the closest neighbour', () => {
  // Query row 0 at angle 0; rows 1..4 at increasing angles; k = 4 with labels 7, 8, 8, 7 → 2-2 tie, row 1
  // (closest) carries 7.
  const angles = [0, 0.1, 0.2, 0.3, 0.4];
  const x = new Float32Array(angles.flatMap((a) => [Math.cos(a), Math.sin(a)]));
  const t = findCosineNeighbors(x, 2, 4);
  assert.deepEqual([...t.indices.subarray(0, 4)], [1, 2, 3, 4]);
  assert.equal(voteNeighbors(t, [0, 7, 8, 8, 7])[0], 7);
  assert.equal(voteNeighbors(t, [0, 8, 7, 7, 8])[0], 8);
});

test('macro-F1 over the union of true and predicted classes', () => {
  // truth 0,0,1,1 / pred 0,1,1,2: class0 F1 = 2/3, class1 = 2/(2+1+1) = .5, class2 = 0 → mean 7/18.
  const s = scoreCodes([0, 0, 1, 1], [0, 1, 1, 2]);
  assert.equal(s.accuracy, 0.5);
  assert.equal(s.numClasses, 3);
  assert.ok(Math.abs(s.macroF1 - 7 / 18) < 1e-12);
});

test('levels are scored independently with the same neighbours', () => {
  const r = evaluateKnnAccuracy({ embeddings: POINTS, dim: 2, levels: [[0, 0, 0, 1, 1, 1], [5, 5, 5, 5, 5, 5]], k: 2 });
  assert.equal(r.n, 6);
  assert.equal(r.k, 2);
  assert.deepEqual(r.levels.map((l) => l.accuracy), [1, 1]);
  assert.deepEqual(r.levels.map((l) => l.level), ['level0', 'level1']);
});

test('bad input gets clear errors', () => {
  assert.throws(() => evaluateKnnAccuracy({ embeddings: POINTS, dim: 5, levels: [[0, 0, 0, 1, 1, 1]] }), (e) => isAtlasError(e, 'wrong_dimension'));
  assert.throws(() => evaluateKnnAccuracy({ embeddings: POINTS, dim: 2, levels: [[0, 0, 1]] }), (e) => isAtlasError(e, 'invalid_argument'));
  assert.throws(() => evaluateKnnAccuracy({ embeddings: POINTS, dim: 2, levels: [[0, 0, 0, 1, 1, 1]], k: 6 }), (e) => isAtlasError(e, 'k_out_of_range'));
  assert.throws(() => evaluateKnnAccuracy({ embeddings: POINTS, dim: 2, levels: [[0, 0, 0, 1, 1, 1]], k: 1.5 }), (e) => isAtlasError(e, 'k_out_of_range'));
  assert.throws(() => evaluateKnnAccuracy({ embeddings: POINTS, dim: 2, levels: [[0, 0, 0, 1, 1, -1]] }), (e) => isAtlasError(e, 'invalid_argument'));
  assert.throws(() => evaluateKnnAccuracy({ embeddings: POINTS, dim: 2, levels: [] }), (e) => isAtlasError(e, 'invalid_argument'));
  const nan = Float32Array.from(POINTS);
  nan[3] = Number.NaN;
  assert.throws(() => evaluateKnnAccuracy({ embeddings: nan, dim: 2, levels: [[0, 0, 0, 1, 1, 1]] }), (e) => isAtlasError(e, 'non_finite'));
});
