import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MIN_WEIGHT_DISTANCE, UNASSIGNED, tallyVotes, voteLevel } from '../../search/index.js';

const VOCAB = ['T cell', 'B cell', 'NK cell'];

test('tally counts hits and 1/distance weights per label, nearest label first', () => {
  const t = tallyVotes([1, 0, 0, 2, 0], [0.1, 0.2, 0.4, 0.5, 0.5]);
  assert.deepEqual(t.codes, [1, 0, 2]);
  assert.deepEqual(t.hits, [1, 3, 1]);
  assert.ok(Math.abs(t.weighted[0]! - 10) < 1e-9);
  assert.ok(Math.abs(t.weighted[1]! - (5 + 2.5 + 2)) < 1e-9);
  assert.ok(Math.abs(t.weighted[2]! - 2) < 1e-9);
  assert.equal(t.count, 5);
  assert.equal(t.minDist, 0.1);
  assert.equal(t.maxDist, 0.5);
});

test('tally skips missing neighbours (code −1) and floors zero distances', () => {
  const t = tallyVotes([0, -1, 0], [0, 9, 0.5]);
  assert.equal(t.count, 2);
  assert.deepEqual(t.hits, [2]);
  assert.ok(Math.abs(t.weighted[0]! - (1 / MIN_WEIGHT_DISTANCE + 2)) < 1e-6);
  assert.equal(t.maxDist, 0.5);
});

test('uniform vote: SCimilarity statistics (vs2nd, vsAll, weighted twins, min/max distance)', () => {
  // hits: T 3, B 1, NK 1 — weighted: T 1/0.2+1/0.4+1/0.5 = 9.5, B 1/0.1 = 10, NK 1/0.5 = 2
  const t = tallyVotes([0, 1, 0, 2, 0], [0.2, 0.1, 0.4, 0.5, 0.5]);
  const v = voteLevel(t, VOCAB, { weighting: 'uniform', prefix: 3 });
  assert.equal(v.label, 'T cell');
  assert.deepEqual(v.hits, { 'T cell': 3, 'B cell': 1, 'NK cell': 1 });
  assert.ok(Math.abs(v.hits_weighted['T cell']! - 9.5) < 1e-9);
  assert.equal(v.vs2nd, 3 / (3 + 1));
  assert.equal(v.vsAll, 3 / 5);
  assert.ok(Math.abs(v.vs2nd_weighted - 10 / (10 + 9.5)) < 1e-9);
  assert.ok(Math.abs(v.vsAll_weighted - 10 / 21.5) < 1e-9);
  assert.equal(v.confidence, v.vsAll);
  assert.equal(v.min_dist, 0.1);
  assert.equal(v.max_dist, 0.5);
  assert.equal(v.prefix, 3);
});

test('distance weighting can overturn the majority: one very close neighbour wins', () => {
  const t = tallyVotes([0, 1, 0, 2, 0], [0.2, 0.1, 0.4, 0.5, 0.5]);
  const v = voteLevel(t, VOCAB, { weighting: 'distance', prefix: 1 });
  assert.equal(v.label, 'B cell');
  assert.equal(v.confidence, v.vsAll_weighted);
});

test('a single label gives vs2nd = vsAll = 1, as SCimilarity does', () => {
  const v = voteLevel(tallyVotes([2, 2], [0.3, 0.4]), VOCAB, { weighting: 'uniform', prefix: 1 });
  assert.equal(v.label, 'NK cell');
  assert.equal(v.vs2nd, 1);
  assert.equal(v.vsAll, 1);
  assert.equal(v.vs2nd_weighted, 1);
  assert.equal(v.vsAll_weighted, 1);
});

test('ties in hits go to the label with the larger weighted vote', () => {
  // T: 2 hits far, B: 2 hits near.
  const v = voteLevel(tallyVotes([0, 0, 1, 1], [0.5, 0.5, 0.1, 0.1]), VOCAB, { weighting: 'uniform', prefix: 1 });
  assert.equal(v.label, 'B cell');
});

test('min_confidence turns a weak majority into "unassigned" but keeps the statistics', () => {
  const t = tallyVotes([0, 0, 1, 2], [0.1, 0.1, 0.1, 0.1]);
  const weak = voteLevel(t, VOCAB, { weighting: 'uniform', minConfidence: 0.6, prefix: 1 });
  assert.equal(weak.label, UNASSIGNED);
  assert.equal(weak.vsAll, 0.5);
  assert.deepEqual(weak.hits, { 'T cell': 2, 'B cell': 1, 'NK cell': 1 });
  const ok = voteLevel(t, VOCAB, { weighting: 'uniform', minConfidence: 0.5, prefix: 1 });
  assert.equal(ok.label, 'T cell');
});

test('no neighbours: unassigned, null distances, zero ratios', () => {
  const v = voteLevel(tallyVotes([-1, -1], [Infinity, Infinity]), VOCAB, { weighting: 'distance', prefix: 2 });
  assert.equal(v.label, UNASSIGNED);
  assert.equal(v.min_dist, null);
  assert.equal(v.max_dist, null);
  assert.equal(v.vsAll, 0);
  assert.deepEqual(v.hits, {});
});
