import assert from 'node:assert/strict';
import { test } from 'node:test';
import { searchBeam, type BeamEntry } from '../../index-files/index.js';

const entries: BeamEntry[] = [
  { prefix: 1, k: 10, ef: 16, recall: 0.99 },
  { prefix: 1, k: 50, ef: 50, recall: 0.99 },
  { prefix: 1, k: 100, ef: 128, recall: 0.98 },
  { prefix: 2, k: 10, ef: 32, recall: 0.98 },
];
const m = { expansionSearch: 64, beams: { recallTarget: 0.98, queries: 'reflected' as const, sample: 500, entries } };

test('a search takes the beam of the smallest calibrated k at or above its own', () => {
  assert.equal(searchBeam(m, 1, 1), 16);
  assert.equal(searchBeam(m, 1, 10), 16);
  assert.equal(searchBeam(m, 1, 11), 50);
  assert.equal(searchBeam(m, 1, 100), 128);
  assert.equal(searchBeam(m, 2, 5), 32);
});

test('beyond the largest calibrated k the widest entry applies; without entries the fixed beam', () => {
  assert.equal(searchBeam(m, 1, 500), 128);
  assert.equal(searchBeam(m, 2, 50), 32);
  assert.equal(searchBeam(m, 0, 10), 64, 'the original index is never calibrated');
  assert.equal(searchBeam(m, 3, 10), 64);
  assert.equal(searchBeam({ expansionSearch: 40, beams: null }, 1, 10), 40);
  assert.equal(searchBeam({ expansionSearch: 40 }, 1, 10), 40);
});
