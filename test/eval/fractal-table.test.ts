import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAtlasError } from '../../common/index.js';
import { chooseSampleRows, evaluateFractalTable, formatFractalTable, majorityLabel, selectHits } from '../../eval/index.js';
import type { SearchHit } from '../../search/index.js';
import { uniformStream } from '../support/random.js';


/**
 * A sample whose fractal output is built to be steerable: block 1 carries only the coarse class (clean),
 * block 2 only the fine class. The "original" embedding carries both, noisily.
 */
function steerableSample(n: number) {
  const u = uniformStream(3);
  const coarse = new Int32Array(n);
  const fine = new Int32Array(n);
  const d = 4;
  const fractal = new Float32Array(n * 2 * d);
  const original = new Float32Array(n * 2 * d);
  for (let i = 0; i < n; i++) {
    coarse[i] = i % 2;
    fine[i] = coarse[i] * 3 + (Math.floor(i / 2) % 3);
    for (let c = 0; c < d; c++) {
      fractal[i * 2 * d + c] = (c === coarse[i] ? 3 : 0) + 0.1 * (u() - 0.5);
      // Block 2: fine class only, coarse class invisible (the fine codes of both coarse classes share axes).
      fractal[i * 2 * d + d + c] = (c === fine[i] % 3 ? 3 : 0) + 0.1 * (u() - 0.5);
    }
    for (let c = 0; c < 2 * d; c++) original[i * 2 * d + c] = fractal[i * 2 * d + c] + 2.5 * (u() - 0.5);
  }
  return { coarse, fine, fractal, original, dim: 2 * d };
}

test('fractal table: rows, dims, per-level scores and steerability on a built-to-steer sample', () => {
  const s = steerableSample(60);
  const r = evaluateFractalTable({
    original: s.original, originalDim: s.dim, fractal: s.fractal, numScales: 2, scaleDim: 4,
    levels: [s.coarse, s.fine], levelNames: ['system', 'subtype'], k: 5,
  });
  assert.deepEqual(r.rows.map((x) => x.name), ['Original', 'Fractal (full)', 'Fractal (prefix 1)']);
  assert.deepEqual(r.rows.map((x) => x.dims), [8, 8, 4]);
  const [, full, p1] = r.rows;
  // Prefix 1 sees the coarse class perfectly and cannot see the fine one beyond its coarse half.
  assert.equal(p1.levels[0].accuracy, 1);
  assert.ok(p1.levels[1].accuracy < 0.6, `prefix-1 subtype accuracy ${p1.levels[1].accuracy}`);
  assert.equal(full.levels[1].accuracy, 1);
  const expected = p1.levels[0].accuracy - full.levels[0].accuracy + (full.levels[1].accuracy - p1.levels[1].accuracy);
  assert.ok(Math.abs(r.steerability - expected) < 1e-12);
  assert.ok(r.steerability > 0.4);
  assert.ok(p1.silhouetteL1! > full.silhouetteL1!, 'prefix 1 separates level 1 better than the full embedding');
  assert.equal(r.gainOverOriginal.length, 2);
  const text = formatFractalTable(r);
  assert.match(text, /Fractal \(prefix 1\)/);
  assert.match(text, /steerability S = .*\+0\.\d{3}/);
});

test('fractal table validates shapes and k', () => {
  const s = steerableSample(10);
  const base = { original: s.original, originalDim: s.dim, fractal: s.fractal, numScales: 2, scaleDim: 4, levels: [s.coarse], levelNames: ['system'] };
  assert.throws(() => evaluateFractalTable({ ...base, scaleDim: 5 }), (e) => isAtlasError(e, 'wrong_dimension'));
  assert.throws(() => evaluateFractalTable({ ...base, k: 10 }), (e) => isAtlasError(e, 'k_out_of_range'));
  assert.throws(() => evaluateFractalTable({ ...base, levelNames: [] }), (e) => isAtlasError(e, 'invalid_argument'));
  assert.throws(() => evaluateFractalTable({ ...base, levels: [s.coarse.subarray(1)] }), (e) => isAtlasError(e, 'invalid_argument'));
});

test('chooseSampleRows: distinct, sorted, in range, seeded', () => {
  const a = chooseSampleRows(1000, 100, 7);
  assert.equal(a.length, 100);
  assert.equal(new Set(a).size, 100);
  for (let i = 1; i < a.length; i++) assert.ok(a[i] > a[i - 1]);
  assert.ok(a[0] >= 0 && a[99] < 1000);
  assert.deepEqual(Array.from(chooseSampleRows(1000, 100, 7)), Array.from(a));
  assert.notDeepEqual(Array.from(chooseSampleRows(1000, 100, 8)), Array.from(a));
  assert.deepEqual(Array.from(chooseSampleRows(3, 10, 1)), [0, 1, 2]);
  // Roughly uniform: both halves get a fair share.
  const big = chooseSampleRows(100_000, 2000, 1);
  const low = big.filter((r) => r < 50_000).length;
  assert.ok(low > 850 && low < 1150, `low half got ${low}`);
});

function hit(id: string, subtype: string): SearchHit {
  return { cell_id: id, distance: 0, level1_system: 's', level2_lineage: 'l', level3_type: 't', level4_subtype: subtype, cl_id: null };
}

test('majorityLabel: most frequent wins, ties go to the nearest', () => {
  assert.equal(majorityLabel(['a', 'b', 'b', 'c', 'a', 'b']), 'b');
  assert.equal(majorityLabel(['c', 'a', 'b', 'a', 'c']), 'c');
  assert.equal(majorityLabel(['x']), 'x');
  assert.throws(() => majorityLabel([]), (e) => isAtlasError(e, 'invalid_argument'));
});

test('selectHits drops the query cell itself once and keeps k', () => {
  const hits = [hit('q', 'a'), hit('1', 'b'), hit('2', 'c'), hit('3', 'd')];
  assert.deepEqual(selectHits(hits, 2, 'q').map((h) => h.cell_id), ['1', '2']);
  assert.deepEqual(selectHits(hits, 2, null).map((h) => h.cell_id), ['q', '1']);
  assert.deepEqual(selectHits(hits, 5, '2').map((h) => h.cell_id), ['q', '1', '3']);
});
