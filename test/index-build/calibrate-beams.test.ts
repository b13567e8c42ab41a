import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { createRng } from '../../common/index.js';
import { VectorIndex, type Neighbours } from '../../index-files/index.js';
import { BEAM_KS, BEAM_SAMPLE, beamsToTry, calibrateBeams, recallAt, reflectRows } from '../../index-build/calibrate-beams.js';
import { sampleRows } from '../../index-build/calibrate.js';
import { makeTempDir } from '../support/temp-dir.js';

const N = 2000;
const DIMS = 32;
const ROW = 48; // the vectors file is wider than the prefix, as vectors.f32 is
const params = { quantization: 'f32' as const, connectivity: 8, expansionAdd: 24 };
let dir: string;
let unit: Float32Array;

/** Gaussian rows: no cluster structure, so a narrow beam really misses neighbours. */
before(() => {
  dir = makeTempDir('beams');
  const rng = createRng(3);
  const raw = new Float32Array(N * ROW);
  rng.fillGaussian(raw, 0, raw.length);
  writeFileSync(join(dir, 'vectors.f32'), raw);
  unit = new Float32Array(N * DIMS);
  for (let r = 0; r < N; r++) {
    let s = 0;
    for (let d = 0; d < DIMS; d++) s += raw[r * ROW + d]! ** 2;
    for (let d = 0; d < DIMS; d++) unit[r * DIMS + d] = raw[r * ROW + d]! / Math.sqrt(s);
  }
  const index = VectorIndex.create({ ...params, dims: DIMS, expansionSearch: 16 });
  index.add(0, unit, 1);
  index.save(join(dir, 'p1.usearch'));
});

const dot = (a: Float32Array, i: number, b: Float32Array, j: number) => {
  let s = 0;
  for (let d = 0; d < DIMS; d++) s += a[i * DIMS + d]! * b[j * DIMS + d]!;
  return s;
};
/** The `k` reference rows most similar to row i of `queries`, most similar first, without `skip` (brute force). */
const ranked = (queries: Float32Array, i: number, k: number, skip = -1) => {
  const best: { r: number; s: number }[] = [];
  for (let r = 0; r < N; r++) {
    if (r === skip) continue;
    const s = dot(queries, i, unit, r);
    if (best.length === k && s <= best[k - 1]!.s) continue;
    let at = best.length === k ? k - 1 : best.length;
    while (at > 0 && best[at - 1]!.s < s) at--;
    best.splice(at, 0, { r, s });
    if (best.length > k) best.pop();
  }
  return best.map((b) => b.r);
};

/** The test's own calibration queries and their exact 50 nearest: each sampled row reflected through its nearest other row. */
function oracleQueries(self: Int32Array): { queries: Float32Array; truth: number[][] } {
  const queries = new Float32Array(self.length * DIMS);
  self.forEach((x, i) => {
    const y = ranked(unit, x, 1, x)[0]!;
    let s = 0;
    for (let d = 0; d < DIMS; d++) s += (queries[i * DIMS + d] = 2 * unit[x * DIMS + d]! - unit[y * DIMS + d]!) ** 2;
    for (let d = 0; d < DIMS; d++) queries[i * DIMS + d]! /= Math.sqrt(s);
  });
  return { queries, truth: Array.from(self, (_, i) => ranked(queries, i, 50)) };
}

/** The test's own recall@k of beam `ef` on those queries. */
function oracleRecall(ef: number, k: number, o: { queries: Float32Array; truth: number[][] }): number {
  const view = VectorIndex.view(join(dir, 'p1.usearch'), { ...params, dims: DIMS, expansionSearch: ef }, N);
  let sum = 0;
  o.truth.forEach((t, i) => {
    const want = new Set(t.slice(0, k));
    sum += [...view.search(o.queries.slice(i * DIMS, (i + 1) * DIMS), k, 1).rows].filter((r) => want.has(r)).length / k;
  });
  return sum / o.truth.length;
}

test('each calibrated beam is the first of the ladder whose recall reaches the target', async () => {
  const target = 0.97;
  const table = await calibrateBeams({ prefixes: [{ prefix: 1, path: join(dir, 'p1.usearch'), dims: DIMS }], vectorsPath: join(dir, 'vectors.f32'), numCells: N, rowDim: ROW, params, recallTarget: target, threads: 2 });
  assert.equal(table.recallTarget, target);
  assert.equal(table.queries, 'reflected');
  assert.equal(table.sample, BEAM_SAMPLE);
  assert.deepEqual(table.entries.map((e) => [e.prefix, e.k]), BEAM_KS.map((k) => [1, k]));
  const oracle = oracleQueries(sampleRows(N, BEAM_SAMPLE));
  const k10 = table.entries[0]!;
  // The data is hard enough that k itself is not enough at k = 10: the ladder was climbed.
  assert.ok(k10.ef > 10, `beam for k = 10 is ${k10.ef}`);
  for (const e of table.entries.slice(0, 2)) {
    const tried = beamsToTry(e.k);
    const at = tried.indexOf(e.ef);
    assert.ok(at >= 0, `${e.ef} is on the ladder for k = ${e.k}`);
    const recall = oracleRecall(e.ef, e.k, oracle);
    assert.ok(Math.abs(recall - e.recall) < 1e-3, `recorded ${e.recall}, oracle ${recall}`);
    assert.ok(recall >= target || at === tried.length - 1);
    if (at > 0) assert.ok(oracleRecall(tried[at - 1]!, e.k, oracle) < target, `a narrower beam than ${e.ef} already reached the target`);
  }
});

test('held-out cells, when given, are searched instead of reflected ones', async () => {
  const rng = createRng(11);
  const n = 200;
  const raw = new Float32Array(n * ROW);
  rng.fillGaussian(raw, 0, raw.length);
  const queries = new Float32Array(n * DIMS);
  for (let i = 0; i < n; i++) {
    const norm = Math.hypot(...raw.subarray(i * ROW, i * ROW + DIMS));
    for (let d = 0; d < DIMS; d++) queries[i * DIMS + d] = raw[i * ROW + d]! / norm;
  }
  const table = await calibrateBeams({ prefixes: [{ prefix: 1, path: join(dir, 'p1.usearch'), dims: DIMS }], vectorsPath: join(dir, 'vectors.f32'), numCells: N, rowDim: ROW, params, recallTarget: 0.97, threads: 2, heldOut: { vectors: raw, n } });
  assert.equal(table.queries, 'held-out');
  assert.equal(table.sample, n);
  const oracle = { queries, truth: Array.from({ length: n }, (_, i) => ranked(queries, i, 50)) };
  for (const e of table.entries.slice(0, 2)) assert.ok(Math.abs(oracleRecall(e.ef, e.k, oracle) - e.recall) < 1e-3, `k ${e.k} ef ${e.ef}: recorded ${e.recall}`);
});

test('k itself is the beam where it meets the target; no k at or above the cell count is calibrated', async () => {
  const low = await calibrateBeams({ prefixes: [{ prefix: 1, path: join(dir, 'p1.usearch'), dims: DIMS }], vectorsPath: join(dir, 'vectors.f32'), numCells: N, rowDim: ROW, params, recallTarget: 0.5, threads: 1 });
  assert.deepEqual(low.entries.map((e) => e.ef), [...BEAM_KS]);
  const small = VectorIndex.create({ ...params, dims: DIMS, expansionSearch: 16 });
  small.add(0, unit.subarray(0, 60 * DIMS), 1);
  small.save(join(dir, 'small.usearch'));
  const few = await calibrateBeams({ prefixes: [{ prefix: 1, path: join(dir, 'small.usearch'), dims: DIMS }], vectorsPath: join(dir, 'vectors.f32'), numCells: 60, rowDim: ROW, params, recallTarget: 0.9, threads: 1 });
  assert.equal(few.sample, 60);
  assert.deepEqual(few.entries.map((e) => e.k), [10, 50]);
});

test('beamsToTry starts at k and climbs the ladder above it', () => {
  assert.deepEqual(beamsToTry(50).slice(0, 3), [50, 64, 96]);
  assert.deepEqual(beamsToTry(10000), [10000]);
  assert.deepEqual([...sampleRows(10, 4)], [0, 2, 5, 7]);
  assert.deepEqual([...sampleRows(3, 500)], [0, 1, 2]);
});

const nb = (rows: number[], distances: number[], k: number): Neighbours => ({ n: rows.length / k, k, rows: Int32Array.from(rows), distances: Float32Array.from(distances) });

test('recallAt compares the first k of each list', () => {
  const truth = nb([1, 2, 3, 11, 12, 13], [0.1, 0.2, 0.3, 0.1, 0.2, 0.3], 3);
  const found = nb([1, 3, 2, 14, 12, 11], [0.1, 0.3, 0.35, 0.15, 0.2, 0.25], 3);
  // k = 2: query 0 finds {1, 3} of {1, 2}, query 1 {14, 12} of {11, 12}.
  assert.equal(recallAt(found, truth, 2), 0.5);
  assert.ok(Math.abs(recallAt(found, truth, 3) - 5 / 6) < 1e-12);
});

test('reflectRows mirrors each row through its neighbour onto the unit sphere', () => {
  const q = reflectRows(Float32Array.from([1, 0, 0.6, 0.8]), Float32Array.from([0.6, 0.8, 0.6, 0.8]), 2, 2);
  // 2·(1, 0) − (0.6, 0.8) = (1.4, −0.8), normalised; a duplicate neighbour gives the row itself.
  const norm = Math.hypot(1.4, -0.8);
  assert.deepEqual([...q].map((v) => Math.round(v * 1e6) / 1e6), [1.4 / norm, -0.8 / norm, 0.6, 0.8].map((v) => Math.round(v * 1e6) / 1e6));
});
