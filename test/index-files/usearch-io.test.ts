import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exactNeighbours } from '../../index-files/index.js';

test('exactNeighbours searches the rows a subarray shows, not the start of its buffer', () => {
  // Six unit rows in 2-d; the dataset is rows 3..5 of the buffer, the query rows 1..2 of another.
  const all = Float32Array.from([1, 0, 0, 1, -1, 0, 0.6, 0.8, 0.8, 0.6, 0, -1]);
  const dataset = all.subarray(3 * 2, 6 * 2);
  const qs = Float32Array.from([0, -1, 0.8, 0.6, 0.6, 0.8]).subarray(2);
  const r = exactNeighbours(dataset, qs, 2, 1, 1);
  // (0.8, 0.6) is dataset row 1; (0.6, 0.8) dataset row 0.
  assert.deepEqual([...r.rows], [1, 0]);
  assert.ok(r.distances.every((d) => Math.abs(d) < 1e-6));
});
