import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exactNeighbours, mergeNeighbours, type Neighbours } from '../../index-files/index.js';

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

const nb = (rows: number[], distances: number[], k: number): Neighbours => ({ n: rows.length / k, k, rows: Int32Array.from(rows), distances: Float32Array.from(distances) });

test('mergeNeighbours keeps the nearest k of both lists in order, past missing entries', () => {
  const a = nb([1, 2, -1, 7, 8, 9], [0.1, 0.4, Infinity, 0.2, 0.3, 0.9], 3);
  const b = nb([5, 6, 4, 3], [0.2, 0.5, 0.1, 0.25], 2);
  const m = mergeNeighbours(a, b, 3);
  assert.deepEqual([...m.rows], [1, 5, 2, 4, 7, 3]);
  assert.deepEqual([...m.distances].map((d) => Math.round(d * 100) / 100), [0.1, 0.2, 0.4, 0.1, 0.2, 0.25]);
  const short = mergeNeighbours(nb([1, -1], [0.1, Infinity], 2), nb([-1, -1], [Infinity, Infinity], 2), 3);
  assert.deepEqual([...short.rows], [1, -1, -1]);
});
